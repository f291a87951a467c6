// End-to-end test of "connect to a gateway that already runs elsewhere": a real gateway in its
// own state dir plays the other machine. The wizard refuses a wrong token with the reason, a
// right one connects (no gateway runs for this computer's state dir), Chat works through it, the
// link survives the far end restarting and the app restarting (the token comes back from the
// keychain), and Settings switches back to this computer's gateway, leaving the far one running.
// The token never reaches a file or the window.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SIDECAR, startFakeProvider } from "./common.mjs";
import { click, el, files, fill, freshHome, openApp, shot, startDriver, stopDriver, text, win, windowView } from "./session.mjs";

const TOKEN = "e2e-remote-token-5b1f0c9d2e7a4468";
const WRONG = "e2e-not-the-token-000000000000";

let fake;
let far;

/** Starts "the other machine's" gateway; resolves with the process and its port. */
function startFarGateway(stateDir, port = 0) {
  const proc = spawn(SIDECAR, ["gateway", "run", "--port", String(port), "--state-dir", stateDir], {
    env: { ...process.env, TIDEPOOL_GATEWAY_TOKEN: TOKEN, NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    let buf = "";
    proc.stdout.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0 && !proc.ready) {
        proc.ready = true;
        resolve({ proc, port: JSON.parse(buf.slice(0, nl)).port });
      }
    });
    proc.on("exit", (code) => reject(new Error(`the far gateway exited with ${code}`)));
  });
}

async function stopFar() {
  if (!far || far.proc.exitCode !== null) return;
  const exited = new Promise((r) => far.proc.once("exit", r));
  far.proc.kill("SIGKILL");
  await exited;
}

/** Pids of gateways running for `stateDir` (from /proc, so nothing is missed). */
function gatewaysFor(stateDir) {
  const pids = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let args;
    try {
      args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const i = args.indexOf("--state-dir");
    if (args.includes("gateway") && args.includes("run") && i >= 0 && args[i + 1] === stateDir) pids.push(Number(pid));
  }
  return pids;
}

async function headerState(want, timeout = 20000) {
  await win().waitUntil(async () => (await text("header-state")).includes(want), {
    timeout,
    timeoutMsg: `the header never said ${want} (it says ${await text("header-state")})`,
  });
}

after(async () => {
  await stopDriver();
  await stopFar();
  fake?.kill();
});

test("a gateway elsewhere: wrong token refused → connected → chat → both ends restart → back to this computer", async () => {
  let fakePort;
  ({ proc: fake, port: fakePort } = await startFakeProvider());
  const farState = fs.mkdtempSync(path.join(os.tmpdir(), "tidepool-e2e-far-"));
  fs.writeFileSync(
    path.join(farState, "tidepool.json"),
    `{\n  agents: { defaults: { model: "fake/fake-model" } },\n  models: { providers: { fake: { baseUrl: "http://127.0.0.1:${fakePort}/v1", api: "openai-completions" } } },\n}\n`,
  );
  far = await startFarGateway(farState);
  const url = `ws://127.0.0.1:${far.port}`;

  await stopDriver();
  const { home, state, env } = freshHome();
  await startDriver(env);
  await openApp();

  await click("welcome-remote");
  await click("welcome-next");
  await el("step-remote");
  await fill("remote-url", url);
  await fill("remote-token", WRONG);
  await click("remote-check");
  await el("remote-problem");
  const refused = await text("remote-problem");
  assert.match(refused, /refused the token/, refused);
  assert.ok(!refused.includes(WRONG), "the refusal echoes the token");
  await shot("remote-1-wrong-token-light");

  await fill("remote-token", TOKEN);
  await click("remote-check");
  const ok = await el("remote-ok");
  assert.equal(await ok.getAttribute("data-transport"), "loopback");
  await shot("remote-2-checked-light");
  await click("remote-connect");

  // The app opens on the far gateway; nothing runs for this computer's state dir.
  await el("nav-dashboard");
  await headerState("Connected");
  assert.equal(await text("header-gateway"), `Gateway at 127.0.0.1:${far.port}`);
  await win().waitUntil(async () => gatewaysFor(state).length === 0, {
    timeout: 10000,
    timeoutMsg: `a gateway still runs for ${state}: ${gatewaysFor(state)}`,
  });
  await shot("remote-3-dashboard-light");

  // Chat goes through it: the conversation is kept over there, not here.
  await click("nav-chat");
  await click("composer");
  await fill("composer", "Hello from the desktop");
  await win().keys("Enter");
  await el("msg-assistant");
  // The fake provider answers "echo: <message>": that text, not an error bubble, is the reply.
  await win().waitUntil(
    () =>
      win().execute(() =>
        (document.querySelector('[data-testid="msg-assistant"]')?.textContent ?? "").includes("echo: Hello from the desktop"),
      ),
    { timeout: 20000, timeoutMsg: "no echo reply from the far gateway" },
  );
  await shot("remote-4-chat-light");
  // The conversation is kept by the far gateway: its own session list has it, both turns.
  const listed = JSON.parse(
    execFileSync(SIDECAR, ["gateway", "call", "sessions.list", "--url", `ws://127.0.0.1:${far.port}`, "--token", TOKEN], {
      encoding: "utf8",
      env: { ...process.env, TIDEPOOL_STATE_DIR: farState },
    }),
  );
  const kept = (listed.sessions ?? []).find((r) => (r.lastMessagePreview ?? "").includes("echo: Hello from the desktop"));
  assert.ok(kept, `the far gateway has no session with the reply: ${JSON.stringify(listed)}`);
  assert.ok(kept.messageCount >= 2, `the far session holds ${kept.messageCount} messages`);

  // The token is in the keychain only: not in the app's files, the state dir or the window.
  for (const f of files(home)) assert.ok(!fs.readFileSync(f).includes(TOKEN), `the token is in ${f}`);
  for (const line of await windowView()) assert.ok(!line.includes(TOKEN), `the token reached the window: ${line.slice(0, 200)}`);

  // The far end goes away and comes back on the same port: the app reconnects by itself.
  await stopFar();
  await headerState("Reconnecting");
  await shot("remote-5-reconnecting-light");
  far = await startFarGateway(farState, far.port);
  await headerState("Connected", 30000);

  // A new launch connects again, with the token from the keychain.
  await stopDriver();
  await startDriver(env);
  await openApp();
  await el("nav-dashboard");
  await headerState("Connected");
  assert.deepEqual(gatewaysFor(state), []);

  // Back to this computer: confirmed, then this computer's gateway runs; the far one too.
  await click("nav-settings");
  await el("gateway-choice");
  await shot("remote-6-settings-light");
  await click("use-local");
  await click("use-local-confirm");
  await headerState("Running");
  assert.equal(await text("header-gateway"), "Gateway");
  assert.equal(gatewaysFor(state).length, 1, "this computer's gateway runs");
  assert.equal(far.proc.exitCode, null, "the far gateway was left running");
  await stopDriver();
});
