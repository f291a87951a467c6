// `tidepool-desktop --self-test`, the smoke test behind `TIDEPOOL_SMOKE=1 ./scripts/run`: it
// passes only once the real window's dashboard shows the gateway running, and fails fast, with
// the reason, when the gateway cannot start.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { APP } from "./common.mjs";

/** A fresh home with `config` as the gateway's config; runs the app with --self-test. */
function selfTest(config, limitMs = 90000) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "tp-selftest-"));
  fs.mkdirSync(path.join(home, ".tidepool"), { recursive: true });
  fs.writeFileSync(path.join(home, ".tidepool/tidepool.json"), config);
  const data = path.join(home, ".local/share/ai.tidepool.desktop");
  fs.mkdirSync(data, { recursive: true });
  fs.writeFileSync(path.join(data, "settings.json"), JSON.stringify({ settings: { port: 0 } }));
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), XDG_DATA_HOME: path.join(home, ".local/share") };
  delete env.TIDEPOOL_STATE_DIR;
  const started = Date.now();
  const proc = spawn(APP, ["--self-test"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`--self-test did not finish in ${limitMs} ms\n${out}\n${err}`));
    }, limitMs);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started, home });
    });
  });
}

test("--self-test passes once the dashboard shows the gateway running", async () => {
  const r = await selfTest("{ gateway: { port: 0 } }\n");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /self-test passed: the dashboard shows the gateway running \(\d+ ms after launch\)/);
});

test("--self-test fails at once, with the reason, when the config is broken", async () => {
  const r = await selfTest("{ gateway: { port: 'eighty' } }\n", 60000);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.err, /self-test failed: the gateway did not start: .*gateway\.port/);
  assert.ok(r.ms < 30000, `took ${r.ms} ms`);
});

/** The process state letter of `pid` (R, S, Z, ...), or null once it is gone. */
function procState(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return null;
  }
}

test("kill -9 of the app launched as `xvfb-run -a dbus-run-session -- tidepool-desktop` ends its gateway at once", async () => {
  // Launched the way a person starts it on a headless box; the app is then the direct child of
  // dbus-run-session, and its gateway is re-parented to PID 1 when it dies.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "tp-kill9-"));
  fs.mkdirSync(path.join(home, ".tidepool"), { recursive: true });
  fs.writeFileSync(path.join(home, ".tidepool/tidepool.json"), "{ gateway: { port: 0 } }\n");
  const data = path.join(home, ".local/share/ai.tidepool.desktop");
  fs.mkdirSync(data, { recursive: true });
  fs.writeFileSync(path.join(data, "settings.json"), JSON.stringify({ settings: { port: 0 } }));
  // Its own D-Bus session and runtime dir, as on a fresh login: no keyring of the test run's.
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), XDG_DATA_HOME: path.join(home, ".local/share"), XDG_RUNTIME_DIR: home, TIDEPOOL_SECRETS_BACKEND: "vault" };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.TIDEPOOL_STATE_DIR;
  const outer = spawn("xvfb-run", ["-a", "dbus-run-session", "--", APP], { env, stdio: "ignore", detached: true });
  try {
    const runtime = path.join(home, ".tidepool/gateway.runtime.json");
    const deadline = Date.now() + 60000;
    while (!fs.existsSync(runtime)) {
      assert.ok(Date.now() < deadline, "the gateway did not start in 60 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    const gpid = JSON.parse(fs.readFileSync(runtime, "utf8")).pid;
    const stat = fs.readFileSync(`/proc/${gpid}/stat`, "utf8");
    const appPid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    assert.ok(fs.readlinkSync(`/proc/${appPid}/exe`).endsWith("tidepool-desktop"), "the gateway's parent is the app");
    const t0 = Date.now();
    process.kill(appPid, "SIGKILL");
    // Exited = gone or a zombie: reaping is up to whoever inherits it (here PID 1), not the gateway.
    while (!["Z", null].includes(procState(gpid))) {
      assert.ok(Date.now() - t0 < 2000, `the gateway still runs ${Date.now() - t0} ms after the app was killed`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = Date.now() - t0;
    const logs = fs.readdirSync(path.join(home, ".tidepool/logs")).map((f) => fs.readFileSync(path.join(home, ".tidepool/logs", f), "utf8")).join("");
    console.log(`gateway exited ${ms} ms after kill -9 of the app`);
    assert.match(logs, /"reason":"(stdin-closed|parent-exited)"/);
    assert.ok(ms < 1000, `${ms} ms`);
  } finally {
    try {
      process.kill(-outer.pid, "SIGKILL");
    } catch {}
  }
});
