// End-to-end test of the Hosts page against a real server: a real sshd on loopback and a test
// user whose home is a temp dir play "a VPS". In the real app the user adds the host (its
// fingerprint is shown first and must match the server's key), sees what it runs, installs
// Tidepool there as a job with its steps, and the gateway then runs on the "server" as that
// user, as a service. Then the app uses that gateway through an SSH tunnel: a chat there is
// answered by the provider fake the server's config names, its log shows in the Logs page, the
// choice survives an app restart, and the switcher brings the app back to this computer.
// Screenshots of the page, the trust step, the finished install, the chat and the log.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startFakeProvider } from "./common.mjs";
import { click, el, fill, freshHome, openApp, setUpHome, shot, startDriver, stopDriver, text, typeText, until, win } from "./session.mjs";

const { state, env } = freshHome();
const server = fs.mkdtempSync(path.join(os.tmpdir(), "tidepool-e2e-host-"));
fs.chmodSync(server, 0o755);
const home = path.join(server, "home");
const user = `tpe2e${process.pid % 100000}`;
let sshd;
let port;
let fake;

const keygen = (file) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "e2e", "-f", file]);
const fingerprint = () => execFileSync("ssh-keygen", ["-lf", path.join(server, "host_ed25519.pub")], { encoding: "utf8" }).split(" ")[1];
/** `tidepool ARGS` on the "server", as its user. */
const onServer = (...args) => {
  try {
    return JSON.parse(execFileSync("runuser", ["-u", user, "--", path.join(home, ".local/bin/tidepool"), ...args], { encoding: "utf8", cwd: home }));
  } catch (e) {
    // `status` exits 3 when the gateway is down; its JSON is on stdout all the same.
    try {
      return JSON.parse(String(e.stdout));
    } catch {
      return { error: String(e.stdout ?? e) };
    }
  }
};

async function nav(page) {
  await (await win().$(`[data-testid="nav-${page}"]`)).click();
}

before(async () => {
  // The user: no password (`*`, not locked: sshd without PAM refuses locked accounts), its home here.
  execFileSync("useradd", ["-M", "-d", home, "-s", "/bin/sh", "-p", "*", user]);
  fs.mkdirSync(home);
  execFileSync("chown", [`${user}:`, home]);
  keygen(path.join(server, "host_ed25519"));
  keygen(path.join(server, "client_ed25519"));
  fs.copyFileSync(path.join(server, "client_ed25519.pub"), path.join(server, "authorized_keys"));
  fs.chmodSync(path.join(server, "authorized_keys"), 0o644);
  fs.mkdirSync("/run/sshd", { recursive: true });
  port = await freePort();
  const cfg = path.join(server, "sshd_config");
  fs.writeFileSync(
    cfg,
    [
      "ListenAddress 127.0.0.1",
      `HostKey ${path.join(server, "host_ed25519")}`,
      `AuthorizedKeysFile ${path.join(server, "authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      `PidFile ${path.join(server, "sshd.pid")}`,
      "",
    ].join("\n"),
  );
  sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", cfg, "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise((resolve, reject) => {
    let said = "";
    sshd.stderr.on("data", (d) => {
      said += d;
      if (said.includes("Server listening on 127.0.0.1")) resolve();
    });
    sshd.once("exit", (code) => reject(new Error(`sshd exited with ${code}: ${said}`)));
  });
  // The server's gateway answers through the provider fake; this computer's has no provider.
  let fakePort;
  ({ proc: fake, port: fakePort } = await startFakeProvider());
  const serverState = path.join(home, ".tidepool");
  fs.mkdirSync(serverState, { mode: 0o700 });
  fs.writeFileSync(
    path.join(serverState, "tidepool.json"),
    `{ agents: { defaults: { model: "fake/fake-model" } }, models: { providers: { fake: { baseUrl: "http://127.0.0.1:${fakePort}/v1", api: "openai-completions", models: [{ id: "fake-model", name: "Fake" }] } } } }\n`,
  );
  execFileSync("chown", ["-R", `${user}:`, home]);
  setUpHome(env, state);
  await startDriver(env);
  await openApp();
});

after(async () => {
  await stopDriver();
  onServer("gateway", "stop", "--json");
  sshd?.kill();
  fake?.kill();
  try {
    execFileSync("pkill", ["-KILL", "-u", user]);
  } catch {}
  try {
    execFileSync("userdel", [user]);
  } catch {}
  fs.rmSync(server, { recursive: true, force: true });
});

test("add a server after checking its key, see what it runs, install Tidepool there", async () => {
  await nav("hosts");
  await el("hosts-empty");
  await shot("hosts-empty-light");

  await click("add-host");
  await fill("host-address", `${user}@127.0.0.1:${port}`);
  await fill("host-name", "Test server");
  await fill("host-key", path.join(server, "client_ed25519"));
  await click("host-check");
  await el("host-fingerprint");
  assert.equal((await text("host-fingerprint")).trim(), fingerprint(), "the fingerprint shown is the server's");
  await shot("hosts-trust-light");
  await click("host-trust");
  await el("host-row");
  assert.match(await text("host-row"), /Test server/);
  assert.match(await text("host-row"), /Linux/);
  assert.match(await text("host-row"), /not installed/);
  assert.match(await text("host-facts"), /background process/, "no systemd as init here: the plain backend");

  await click("host-install");
  await until("the install did not finish", async () => (await win().$('[data-testid="job"]').getAttribute("data-state")) !== "running", 90000);
  const outcome = await text("job-outcome");
  assert.equal(await win().$('[data-testid="job"]').getAttribute("data-state"), "succeeded", outcome);
  assert.match(outcome, /runs on .* as a plain service/);
  await shot("hosts-installed-light");

  // The gateway runs on the server, as its user, and answers.
  const st = onServer("gateway", "status", "--json");
  assert.equal(st.rpc?.ok, true, JSON.stringify(st));
  assert.equal(st.stateDir, path.join(home, ".tidepool"));

  // "Check again" sees the installed version.
  await (await win().$("button=Check again")).click();
  await until("the facts did not show the installed Tidepool", async () => /v\d+\.\d+\.\d+/.test(await text("host-row")));

  // Stop and start it from the page, through its service.
  const gatewayRunning = async () => (await win().$('[data-testid="host-gateway"]').getAttribute("data-running")) === "yes";
  await el("host-gateway");
  await until("the host's gateway did not show as running", gatewayRunning);
  await click("host-gateway-stop");
  const dialog = await win().$('[role="alertdialog"]');
  await dialog.waitForDisplayed({ timeout: 10000 });
  await (await dialog.$("button=Stop")).click();
  await until("the host's gateway did not stop", async () => !(await gatewayRunning()), 30000);
  assert.equal(onServer("gateway", "status", "--json").rpc?.ok, false, "stopped on the server");
  await click("host-gateway-start");
  await until("the host's gateway did not start again", gatewayRunning, 30000);
  assert.equal(onServer("gateway", "status", "--json").rpc?.ok, true, "running on the server");

  await nav("settings");
  await click("theme-dark");
  await until("the dark theme was not applied", async () => win().execute(() => document.documentElement.classList.contains("dark")));
  await nav("hosts");
  await el("job");
  await shot("hosts-installed-dark");
});

const headerState = async () => (await el("header-state")).getAttribute("data-state");
const switcherShows = async (name) => (await text("gateway-switcher")).includes(name);

test("use the server's gateway from the app: chat through the tunnel, its log, after a restart too, then back", async () => {
  await nav("hosts");
  await click("host-gateway-use");
  await until("the app did not switch to the server's gateway", async () => (await switcherShows("Test server")) && (await headerState()) === "running", 30000);
  await el("host-gateway-in-use");

  await nav("chat");
  await click("composer");
  await typeText("hello from afar");
  await win().keys("Enter");
  await until("the server's gateway did not answer", async () => /echo: hello from afar/.test(await text("messages")), 30000);
  await shot("hosts-use-chat-dark");

  // Its log, read through the tunnel, says where it comes from.
  await nav("logs");
  await until("the log does not name the server", async () => /Test server/.test(await text("logs-remote")));
  await until("no line of the server's log arrived", async () => (await win().$$('[data-testid="log-line"]')).length > 0, 20000);
  await shot("hosts-use-logs-dark");

  // The app quits and opens again: it goes back to the server's gateway by itself.
  await stopDriver();
  assert.equal(onServer("gateway", "status", "--json").rpc?.ok, true, "quitting the app left the server's gateway running");
  await startDriver(env);
  await openApp();
  await until("after a restart the app did not use the server's gateway", async () => (await switcherShows("Test server")) && (await headerState()) === "running", 45000);

  // Back to this computer from the switcher.
  const trigger = await el("gateway-switcher");
  await trigger.click();
  await (await win().$('//*[@role="option"][contains(., "This computer")]')).click();
  await until("the app did not switch back to this computer", async () => (await switcherShows("This computer")) && (await headerState()) === "running", 30000);
  await nav("logs");
  assert.equal(await (await win().$('[data-testid="logs-remote"]')).isExisting(), false, "the log still names the server");
  assert.equal(onServer("gateway", "status", "--json").rpc?.ok, true, "switching away stopped the server's gateway");
});
