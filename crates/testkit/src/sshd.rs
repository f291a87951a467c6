//! A real `sshd` on loopback for the hosts tests (TESTING.md's recipe): its own host key,
//! a client key in its `authorized_keys`, started in the foreground and ready when it says it
//! listens. Several at once stand in for several hosts.
// sshd, ssh-keygen and ssh are run directly: the harness, not the product. A harness that
// cannot start its sshd has nothing to test: it panics with the reason.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// One running sshd.
pub struct Sshd {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Keys, config, authorized_keys.
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    /// The throwaway account of [`Sshd::start_with_password_user`].
    pub password_user: Option<PasswordUser>,
}

/// An account that logs in with a password only (no key is authorized for it yet).
#[derive(Debug, Clone)]
pub struct PasswordUser {
    /// Its name.
    pub name: String,
    /// Its password.
    pub password: String,
    /// Its home (where `~/.ssh/authorized_keys` goes).
    pub home: PathBuf,
}

fn keygen(path: &Path) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(path.with_extension("pub"));
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "tidepool-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "ssh-keygen failed");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The user the tests log in as (the one running them).
pub fn me() -> String {
    let o = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

impl Sshd {
    /// Starts an sshd that lets the client key in.
    pub fn start() -> Sshd {
        assert!(
            Path::new("/usr/sbin/sshd").exists(),
            "/usr/sbin/sshd is missing: install openssh-server (scripts/test does)"
        );
        std::fs::create_dir_all("/run/sshd").unwrap();
        let dir = tempfile::tempdir().unwrap();
        keygen(&dir.path().join("host_ed25519"));
        keygen(&dir.path().join("client_ed25519"));
        keygen(&dir.path().join("stranger_ed25519"));
        std::fs::copy(
            dir.path().join("client_ed25519.pub"),
            dir.path().join("authorized_keys"),
        )
        .unwrap();
        let mut s = Sshd {
            port: free_port(),
            dir,
            child: None,
            password_user: None,
        };
        s.spawn();
        s
    }

    /// An sshd that also takes passwords, with a new account (root only: `useradd`) that has a
    /// password and no authorized key; its own `~/.ssh/authorized_keys` counts.
    pub fn start_with_password_user() -> Sshd {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let mut s = Sshd::start();
        s.stop();
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("tppw{}{n}", std::process::id() % 100_000);
        let home = s.dir.path().join("home");
        std::fs::create_dir(&home).unwrap();
        let ok = Command::new("useradd")
            .args(["-M", "-s", "/bin/sh", "-d"])
            .arg(&home)
            .arg(&name)
            .status()
            .unwrap()
            .success();
        assert!(ok, "useradd failed (the password tests need root)");
        let password = format!("pw-{}", std::process::id());
        let mut chpasswd = Command::new("chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(chpasswd.stdin.take().unwrap(), "{name}:{password}").unwrap();
        assert!(chpasswd.wait().unwrap().success(), "chpasswd failed");
        assert!(
            Command::new("chown")
                .arg(format!("{name}:"))
                .arg(&home)
                .status()
                .unwrap()
                .success()
        );
        // The test dir is private to root: let sshd-as-the-user reach the home.
        std::fs::set_permissions(
            s.dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        s.password_user = Some(PasswordUser {
            name,
            password,
            home,
        });
        s.spawn();
        s
    }

    /// `user@127.0.0.1:port` for the password account.
    pub fn password_address(&self) -> String {
        let u = self.password_user.as_ref().expect("no password user");
        format!("{}@127.0.0.1:{}", u.name, self.port)
    }

    fn spawn(&mut self) {
        let d = self.dir.path();
        let cfg = d.join("sshd_config");
        std::fs::write(
            &cfg,
            format!(
                "ListenAddress 127.0.0.1\nHostKey {hk}\nAuthorizedKeysFile {ak}\nStrictModes no\nUsePAM no\n\
                 PasswordAuthentication {pw}\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
                 PidFile {pid}\nSubsystem sftp /usr/lib/openssh/sftp-server\nLogLevel INFO\n",
                hk = d.join("host_ed25519").display(),
                ak = if self.password_user.is_some() {
                    format!("{} .ssh/authorized_keys", d.join("authorized_keys").display())
                } else {
                    d.join("authorized_keys").display().to_string()
                },
                pw = if self.password_user.is_some() { "yes" } else { "no" },
                pid = d.join("sshd.pid").display(),
            ),
        )
        .unwrap();
        let mut child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(&cfg)
            .arg("-p")
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Ready when it says so; its later lines are drained so it never blocks on stderr.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut said = vec![];
        loop {
            match lines.next() {
                Some(Ok(l)) if l.contains("Server listening on 127.0.0.1") => break,
                Some(Ok(l)) => said.push(l),
                _ => panic!("sshd did not start: {}", said.join("\n")),
            }
        }
        std::thread::spawn(move || for _ in lines {});
        self.child = Some(child);
    }

    /// Stops it and starts it again on the same port with a new host key (a rebuilt server,
    /// or someone in the middle).
    pub fn restart_with_a_new_host_key(&mut self) {
        self.stop();
        keygen(&self.dir.path().join("host_ed25519"));
        self.spawn();
    }

    /// Stops it (connections refused from now on).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `user@127.0.0.1:port` for the user running the tests.
    pub fn address(&self) -> String {
        format!("{}@127.0.0.1:{}", me(), self.port)
    }

    /// The client key it lets in.
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client_ed25519")
    }

    /// A key it does not know.
    pub fn stranger_key(&self) -> PathBuf {
        self.dir.path().join("stranger_ed25519")
    }

    /// Its host key's `SHA256:` fingerprint, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        let o = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(self.dir.path().join("host_ed25519.pub"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_owned()
    }

    /// An ssh_config that keeps the user's own (and the system's) out of the test.
    pub fn client_config(&self) -> PathBuf {
        let p = self.dir.path().join("ssh_config");
        std::fs::write(
            &p,
            "Host *\n  IdentitiesOnly yes\n  GlobalKnownHostsFile /dev/null\n  LogLevel ERROR\n",
        )
        .unwrap();
        p
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
        if let Some(u) = self.password_user.take() {
            let _ = Command::new("pkill")
                .args(["-KILL", "-u", &u.name])
                .status();
            let _ = Command::new("userdel").arg(&u.name).status();
        }
    }
}
