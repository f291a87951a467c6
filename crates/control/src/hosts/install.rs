//! Installing (or upgrading) Tidepool on a host, as a job: check the host (its target must be
//! the binary's, and there must be room), upload the binary beside its final place, verify it
//! (SHA-256, it runs there), put it in place (a running install goes through `tidepool update`,
//! with its health gate and rollback), install the service and start it. A cancel or a failure
//! leaves no half-written binary behind and never touches a running gateway before the swap.

use super::{Auth, HostError, HostFacts, HostPool, HostSpec, probe};
use crate::jobs::{JobCtx, JobEnd};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tidepool_protocol::service::ServiceStatus;
use tidepool_protocol::update::{BinaryVersion, UpdateRun};
use tokio::io::AsyncWriteExt;

/// The steps, in order (the job's step names).
pub const INSTALL_STEPS: [&str; 6] = [
    "Check the host",
    "Upload Tidepool",
    "Verify the upload",
    "Put it in place",
    "Install the service",
    "Start the gateway",
];

/// What to install where.
#[derive(Debug, Clone)]
pub struct InstallRequest {
    /// The `tidepool` binary on this computer to upload.
    pub binary: PathBuf,
    /// Where it goes on the host (default `<home>/.local/bin`).
    pub install_dir: Option<String>,
    /// The gateway's state dir there (default: Tidepool's, `~/.tidepool`).
    pub state_dir: Option<String>,
    /// The service's port (default: the config's, else 18789).
    pub port: Option<u16>,
    /// The service manager (default: the one the host runs).
    pub manager: Option<String>,
}

const CHUNK: usize = 256 * 1024;

fn fail(ctx: &JobCtx, step: usize, reason: impl Into<String>) -> JobEnd {
    let reason = reason.into();
    ctx.fail(step, reason.clone());
    JobEnd::Failed(reason)
}

fn host_err(ctx: &JobCtx, step: usize, e: HostError) -> JobEnd {
    fail(ctx, step, e.to_string())
}

/// Runs `tidepool version --json` of a local binary.
async fn local_version(binary: &std::path::Path) -> Result<BinaryVersion, String> {
    let mut cmd = tidepool_process::command(binary);
    cmd.args(["version", "--json"])
        .stdin(std::process::Stdio::null());
    let out = tokio::time::timeout(std::time::Duration::from_secs(10), cmd.output())
        .await
        .map_err(|_| format!("{} did not answer `version --json`", binary.display()))?
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    serde_json::from_slice(&out.stdout)
        .map_err(|_| format!("{} is not a tidepool build", binary.display()))
}

struct Remote<'a> {
    pool: &'a HostPool,
    spec: &'a HostSpec,
    auth: &'a Auth,
}

impl Remote<'_> {
    async fn run(&self, program: &str, args: &[&str]) -> Result<super::RemoteOutput, HostError> {
        self.pool
            .run(self.spec, self.auth, program, args, None)
            .await
    }

    /// `BINARY ARGS --json`, read as `T` (the CLI prints one JSON document, also on failure).
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        binary: &str,
        args: &[&str],
    ) -> Result<(Option<i32>, T), String> {
        let out = self.run(binary, args).await.map_err(|e| e.to_string())?;
        let doc = serde_json::from_str(out.stdout.trim()).map_err(|_| {
            let said = out.stderr.lines().last().unwrap_or("nothing");
            format!(
                "`tidepool {}` did not answer in JSON: {said}",
                args.join(" ")
            )
        })?;
        Ok((out.code, doc))
    }
}

/// The error message of a failed `--json` command.
fn message(v: &serde_json::Value) -> String {
    v.get("error")
        .and_then(|e| e.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or("it gave no reason")
        .to_owned()
}

/// What an install did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The job's summary.
    pub summary: String,
    /// The `tidepool` binary on the host.
    pub binary: String,
}

/// Installs or upgrades Tidepool on `spec` and starts its gateway. For
/// [`crate::jobs::Jobs::spawn`] with [`INSTALL_STEPS`].
pub async fn install(
    pool: HostPool,
    spec: HostSpec,
    auth: Auth,
    req: InstallRequest,
    ctx: JobCtx,
) -> Result<Installed, JobEnd> {
    let remote = Remote {
        pool: &pool,
        spec: &spec,
        auth: &auth,
    };

    // 0. Check the host.
    ctx.start(0);
    let local = local_version(&req.binary)
        .await
        .map_err(|e| fail(&ctx, 0, e))?;
    let bytes = tokio::fs::read(&req.binary).await.map_err(|e| {
        fail(
            &ctx,
            0,
            format!("cannot read {}: {e}", req.binary.display()),
        )
    })?;
    let sha = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let facts: HostFacts = probe(&pool, &spec, &auth)
        .await
        .map_err(|e| host_err(&ctx, 0, e))?;
    match &facts.target {
        Some(t) if *t == local.target => {}
        Some(t) => {
            return Err(fail(
                &ctx,
                0,
                format!(
                    "{spec} needs a Tidepool built for {t}; {} is built for {}. Choose a binary for {t}",
                    req.binary.display(),
                    local.target
                ),
            ));
        }
        None => {
            return Err(fail(
                &ctx,
                0,
                format!(
                    "Tidepool has no build for {spec} ({} {}, {})",
                    facts.os, facts.arch, facts.libc
                ),
            ));
        }
    }
    let need = bytes.len() as u64 * 2;
    if let Some(free) = facts.disk_free_bytes
        && free < need
    {
        return Err(fail(
            &ctx,
            0,
            format!(
                "{spec} has {} MB free in {}; the upload needs {} MB",
                free / 1_000_000,
                facts.home,
                need / 1_000_000
            ),
        ));
    }
    ctx.done(
        0,
        format!(
            "{} {} ({}), {}",
            facts.os,
            facts.arch,
            facts.libc,
            facts
                .tidepool
                .as_ref()
                .map_or("no Tidepool yet".to_owned(), |t| format!(
                    "Tidepool {} installed",
                    t.version
                ))
        ),
    );
    if ctx.is_cancelled() {
        return Err(JobEnd::Cancelled);
    }

    // 1. Upload beside the final place (same filesystem: the move is a rename).
    ctx.start(1);
    let dir = req
        .install_dir
        .clone()
        .unwrap_or_else(|| format!("{}/.local/bin", facts.home.trim_end_matches('/')));
    let target = format!("{dir}/tidepool");
    let staged = format!(
        "{dir}/.tidepool.upload-{}",
        tidepool_platform::random_hex(6)
    );
    remote
        .run("mkdir", &["-p", "--", &dir])
        .await
        .map_err(|e| host_err(&ctx, 1, e))
        .and_then(|o| {
            if o.code == Some(0) {
                Ok(())
            } else {
                Err(fail(
                    &ctx,
                    1,
                    format!("cannot create {dir}: {}", o.stderr.trim()),
                ))
            }
        })?;
    let uploaded = upload(&remote, &staged, &bytes, &ctx).await;
    if let Err(end) = uploaded {
        let _ = remote.run("rm", &["-f", "--", &staged]).await;
        return Err(end);
    }
    ctx.done(1, format!("{} MB to {staged}", bytes.len() / 1_000_000));

    // 2. Verify: the bytes, and that it runs there.
    ctx.start(2);
    let cleanup = || async {
        let _ = remote.run("rm", &["-f", "--", &staged]).await;
    };
    let sum = remote
        .run("sha256sum", &["--", &staged])
        .await
        .map_err(|e| host_err(&ctx, 2, e));
    let theirs = match sum {
        Ok(o) => o
            .stdout
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        Err(e) => {
            cleanup().await;
            return Err(e);
        }
    };
    if theirs != sha {
        cleanup().await;
        return Err(fail(
            &ctx,
            2,
            format!("the upload arrived damaged (SHA-256 {theirs}, sent {sha}); try again"),
        ));
    }
    let _ = remote.run("chmod", &["0755", "--", &staged]).await;
    match remote
        .json::<BinaryVersion>(&staged, &["version", "--json"])
        .await
    {
        Ok((_, v)) if v.target == local.target => {}
        Ok((_, v)) => {
            cleanup().await;
            return Err(fail(
                &ctx,
                2,
                format!("the upload runs as {}, not {}", v.target, local.target),
            ));
        }
        Err(e) => {
            cleanup().await;
            return Err(fail(
                &ctx,
                2,
                format!("the upload does not run on {spec}: {e}"),
            ));
        }
    }
    ctx.done(
        2,
        format!(
            "SHA-256 {}…, runs as {}",
            sha.get(..12).unwrap_or(&sha),
            local.version
        ),
    );
    if ctx.is_cancelled() {
        cleanup().await;
        return Err(JobEnd::Cancelled);
    }

    // 3. Put it in place: a gateway that runs is upgraded through its health gate.
    ctx.start(3);
    let mut common: Vec<String> = vec![];
    if let Some(s) = &req.state_dir {
        common.push("--state-dir".into());
        common.push(s.clone());
    }
    let common_ref: Vec<&str> = common.iter().map(String::as_str).collect();
    let installed_status = remote
        .json::<ServiceStatus>(
            &target,
            &[&["gateway", "status", "--json"][..], &common_ref].concat(),
        )
        .await
        .ok()
        .map(|(_, s)| s);
    let upgrading = installed_status
        .as_ref()
        .is_some_and(|s| s.service.installed && s.service.active);
    if upgrading {
        let args = [
            &["update", "--from", &staged, "--sha256", &sha, "--json"][..],
            &common_ref,
        ]
        .concat();
        let run = remote.json::<UpdateRun>(&target, &args).await;
        cleanup().await;
        match run {
            Ok((_, r)) if r.ok => ctx.done(
                3,
                format!(
                    "updated {} → {} behind the health gate",
                    r.from_version.unwrap_or_default(),
                    r.to_version.unwrap_or_default()
                ),
            ),
            Ok((_, r)) => {
                let why = r.error.map(|e| e.message).unwrap_or_default();
                return Err(fail(&ctx, 3, format!("the update did not pass: {why}")));
            }
            Err(e) => return Err(fail(&ctx, 3, e)),
        }
    } else {
        let mv = remote.run("mv", &["-f", "--", &staged, &target]).await;
        match mv {
            Ok(o) if o.code == Some(0) => {
                ctx.done(3, format!("{target} is Tidepool {}", local.version))
            }
            Ok(o) => {
                cleanup().await;
                return Err(fail(
                    &ctx,
                    3,
                    format!("cannot move it to {target}: {}", o.stderr.trim()),
                ));
            }
            Err(e) => {
                cleanup().await;
                return Err(host_err(&ctx, 3, e));
            }
        }
    }

    // 4. The service (installing the same settings again changes nothing).
    ctx.start(4);
    let mut args: Vec<String> = vec!["gateway".into(), "install".into(), "--json".into()];
    if let Some(m) = &req.manager {
        args.push("--manager".into());
        args.push(m.clone());
    }
    if let Some(p) = req.port {
        args.push("--port".into());
        args.push(p.to_string());
    }
    args.extend(common.iter().cloned());
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_, v) = remote
        .json::<serde_json::Value>(&target, &args_ref)
        .await
        .map_err(|e| fail(&ctx, 4, e))?;
    if v.get("ok").and_then(serde_json::Value::as_bool) != Some(true) {
        return Err(fail(&ctx, 4, message(&v)));
    }
    let manager = v
        .pointer("/service/manager")
        .and_then(|m| m.as_str())
        .unwrap_or("service")
        .to_owned();
    ctx.done(4, format!("installed as a {manager} service"));

    // 5. Start, and read its status.
    ctx.start(5);
    let args = [&["gateway", "start", "--json"][..], &common_ref].concat();
    let (_, v) = remote
        .json::<serde_json::Value>(&target, &args)
        .await
        .map_err(|e| fail(&ctx, 5, e))?;
    if v.get("ok").and_then(serde_json::Value::as_bool) != Some(true) {
        return Err(fail(
            &ctx,
            5,
            format!("the gateway did not start: {}", message(&v)),
        ));
    }
    let args = [&["gateway", "status", "--json"][..], &common_ref].concat();
    let (_, status) = remote
        .json::<ServiceStatus>(&target, &args)
        .await
        .map_err(|e| fail(&ctx, 5, e))?;
    if !status.rpc.ok {
        return Err(fail(
            &ctx,
            5,
            format!(
                "the gateway started but does not answer: {}",
                status.last_error.unwrap_or_default()
            ),
        ));
    }
    let version = status
        .rpc
        .server
        .as_ref()
        .map_or(local.version.clone(), |s| s.version.clone());
    ctx.done(
        5,
        format!(
            "answering on 127.0.0.1:{} as {version}",
            status.gateway.port
        ),
    );
    Ok(Installed {
        summary: format!(
            "Tidepool {version} runs on {spec} as a {manager} service (port {})",
            status.gateway.port
        ),
        binary: target,
    })
}

/// Streams `bytes` into `path` on the host (through the master, no scp/sftp needed), with
/// progress; a cancel stops it.
async fn upload(remote: &Remote<'_>, path: &str, bytes: &[u8], ctx: &JobCtx) -> Result<(), JobEnd> {
    let lease = remote
        .pool
        .lease(remote.spec, remote.auth)
        .await
        .map_err(|e| host_err(ctx, 1, e))?;
    let mut cmd = lease.session.command("sh");
    cmd.args(["-c", "cat > \"$1\"", "sh", path])
        .stdin(openssh::Stdio::piped())
        .stdout(openssh::Stdio::null())
        .stderr(openssh::Stdio::piped());
    let mut child = cmd
        .spawn()
        .await
        .map_err(|e| fail(ctx, 1, format!("cannot start the upload: {e}")))?;
    let Some(mut stdin) = child.stdin().take() else {
        return Err(fail(ctx, 1, "no stdin for the upload"));
    };
    let total = bytes.len().max(1);
    for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
        tokio::select! {
            r = stdin.write_all(chunk) => r.map_err(|e| fail(ctx, 1, format!("the upload broke off: {e}")))?,
            () = ctx.cancelled() => return Err(JobEnd::Cancelled),
        }
        ctx.step_progress(((i + 1) * CHUNK).min(total) as f64 / total as f64);
    }
    stdin
        .shutdown()
        .await
        .map_err(|e| fail(ctx, 1, format!("the upload broke off: {e}")))?;
    drop(stdin);
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| fail(ctx, 1, format!("the upload broke off: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(fail(
            ctx,
            1,
            format!(
                "cannot write {path}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ))
    }
}
