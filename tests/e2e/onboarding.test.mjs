// End-to-end test of the first-run setup in the real app: a fresh state dir → the wizard → a
// wrong key is refused with the reason → the right key goes to the Secret Service (gnome-keyring
// in the D-Bus session scripts/e2e provides) → quitting midway resumes → finish → the first
// reply → Chat. Then the same on a machine with no Secret Service: the key goes to the vault.
// The key never reaches a file, a log or the window (command replies, the page, its storage).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { remote } from "webdriverio";
import { APP, ARTIFACTS, SIDECAR, startFakeProvider, waitPort } from "./common.mjs";

const KEY = "sk-e2e-onboarding-key-7731";
const WRONG = "sk-e2e-wrong-key-0000";

let fake;
let fakePort;
let driver;
let browser;

/** A fresh HOME with nothing set up: no settings, no state dir. */
function freshHome(extraEnv = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "tidepool-e2e-setup-"));
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: path.join(home, "data"),
    XDG_CONFIG_HOME: path.join(home, "config"),
    TIDEPOOL_STATE_DIR: path.join(home, "state"),
    TIDEPOOL_SIDECAR: SIDECAR,
    WEBKIT_DISABLE_DMABUF_RENDERER: "1",
    ...extraEnv,
  };
  delete env.TIDEPOOL_SECRETS_BACKEND;
  return { home, state: path.join(home, "state"), env };
}

async function startDriver(env) {
  // Its own process group: stopping it also stops WebKitWebDriver (which holds port 4445).
  driver = spawn("tauri-driver", ["--port", "4444"], { env, stdio: ["ignore", "inherit", "inherit"], detached: true });
  await waitPort(4444);
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer().once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

async function stopDriver() {
  await browser?.deleteSession().catch(() => {});
  browser = undefined;
  if (driver) {
    const exited = new Promise((r) => driver.once("exit", r));
    try {
      process.kill(-driver.pid, "SIGTERM");
    } catch {}
    await exited;
    driver = undefined;
  }
  const t0 = Date.now();
  while (!((await portFree(4444)) && (await portFree(4445))) && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 50));
}

async function openApp() {
  browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "warn",
    connectionRetryCount: 0,
    capabilities: { "tauri:options": { application: APP }, "wdio:enforceWebDriverClassic": true },
  });
}

/** Every reply the window gets from the commands that hold state (settings, setup progress,
 * config, logs, conversations), plus the page itself and its storage, as text. */
async function windowView() {
  return browser.execute(async () => {
    const invoke = window.__TAURI_INTERNALS__.invoke;
    const calls = [
      ["onboarding_info", {}],
      ["settings_get", {}],
      ["config_load", {}],
      ["logs_recent", { limit: 5000 }],
      ["chat_sessions", { search: null, limit: 50, offset: 0 }],
      ["chat_history", { key: "agent:main:main", limit: 100 }],
    ];
    const out = [];
    for (const [cmd, args] of calls) {
      try {
        out.push(`${cmd} -> ${JSON.stringify(await invoke(cmd, args))}`);
      } catch (e) {
        out.push(`${cmd} !! ${JSON.stringify(e)}`);
      }
    }
    const inputs = [...document.querySelectorAll("input, textarea")].map((e) => e.value);
    out.push(document.documentElement.outerHTML, JSON.stringify(inputs), JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage }));
    return out;
  });
}

async function shot(name) {
  await browser.execute(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  execFileSync("import", ["-window", "root", path.join(ARTIFACTS, `${name}.png`)]);
}

async function el(testid) {
  const e = await browser.$(`[data-testid="${testid}"]`);
  await e.waitForDisplayed({ timeout: 15000 });
  return e;
}

async function click(testid) {
  await (await el(testid)).click();
}

/** Sets an input's value the way typing does (an `input` event). */
async function fill(testid, text) {
  await el(testid);
  await browser.execute(
    (id, value) => {
      const input = document.querySelector(`[data-testid="${id}"]`);
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    },
    testid,
    text,
  );
}

async function text(testid) {
  return browser.execute((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? "", testid);
}

function files(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.isFile()) out.push(f);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

function secretsList(env, state) {
  return JSON.parse(execFileSync(SIDECAR, ["secrets", "list", "--json", "--state-dir", state], { env, encoding: "utf8" }));
}

/** Provider step: OpenAI at the fake's address with `key`. */
async function enterKey(key) {
  await click("provider-openai");
  const adv = await el("provider-advanced");
  if ((await adv.getAttribute("aria-expanded")) !== "true") await adv.click();
  await fill("provider-base-url", `http://127.0.0.1:${fakePort}/v1`);
  await fill("provider-key", key);
  await click("provider-check");
}

after(async () => {
  await stopDriver();
  fake?.kill();
});

test("first run: wizard → wrong key refused → key in the keychain → quit and resume → first reply → Chat", async () => {
  ({ proc: fake, port: fakePort } = await startFakeProvider({ ...process.env, FAKE_PROVIDER_API_KEY: KEY }));
  await stopDriver(); // the previous file's driver may still hold its ports
  const { home, state, env } = freshHome();
  await startDriver(env);
  await openApp();

  await el("step-welcome");
  await shot("setup-1-welcome-light");
  await click("welcome-fresh");
  await click("welcome-next");

  // A wrong key: refused, with the provider's reason; nothing stored.
  await el("step-provider");
  await enterKey(WRONG);
  await el("provider-problem");
  const problem = await text("provider-problem");
  assert.match(problem, /OpenAI refused that key/, problem);
  await shot("setup-2-provider-wrong-key-light");
  assert.equal(fs.existsSync(path.join(state, "tidepool.json")), false, "no config yet");

  // The right key: checked, stored, and the models listed.
  await fill("provider-key", KEY);
  await click("provider-check");
  await el("step-model");
  const models = await browser.execute(() => [...document.querySelectorAll('[data-testid="model-option"]')].map((e) => e.textContent));
  assert.equal(models.length, 2, String(models));
  assert.ok(models[0].includes("fake-model"), String(models));
  await shot("setup-3-model-light");
  const stored = secretsList(env, state);
  assert.equal(stored.backend, "keychain", JSON.stringify(stored));
  assert.deepEqual(
    stored.entries.map((e) => e.name),
    ["OPENAI_API_KEY"],
  );

  // Quit midway: the next launch resumes at the model step; nothing half-written.
  await stopDriver();
  assert.equal(fs.existsSync(path.join(state, "tidepool.json")), false, "quitting midway writes no config");
  await startDriver(env);
  await openApp();
  await el("onboarding-resumed");
  await el("step-model");
  await shot("setup-3b-resumed-light");
  await click("model-next");

  await el("step-workspace");
  await click("safety-ask");
  await shot("setup-4-workspace-light");
  await click("workspace-next");

  await el("step-finish");
  await shot("setup-5-finish-light");
  await click("finish-run");
  const reply = await browser.$('[data-testid="finish-reply"]');
  await reply.waitForDisplayed({ timeout: 60000 });
  const said = await text("finish-reply");
  assert.ok(said.replace("Your assistant says:", "").trim().length > 0, said);
  await shot("setup-6-done-light");

  // The config has a reference, not the key; the workspace and safety are as chosen.
  const config = fs.readFileSync(path.join(state, "tidepool.json"), "utf8");
  assert.match(config, /"source": "store"/);
  assert.match(config, /"id": "OPENAI_API_KEY"/);
  assert.match(config, /"mode": "ask"/);
  assert.match(config, /openai\/fake-model/);

  await click("finish-open-chat");
  await el("nav-chat");
  await browser.waitUntil(
    () =>
      browser.execute(
        () => !!document.querySelector('[data-testid="msg-user"]') && !!document.querySelector('[data-testid="msg-assistant"]'),
      ),
    { timeout: 15000, timeoutMsg: "the first exchange is not in Chat" },
  );
  await shot("setup-7-chat-light");

  // The key is nowhere: not in the state dir, the app's data, the logs, or the webview.
  for (const f of files(home)) {
    assert.ok(!fs.readFileSync(f).includes(KEY), `the key is in ${f}`);
  }
  const seen = await windowView();
  assert.ok(seen.some((l) => l.startsWith("logs_recent -> [{")), "the window reads the logs");
  assert.ok(seen.some((l) => l.startsWith("chat_history -> [{")), "the window reads the conversation");
  for (const line of seen) assert.ok(!line.includes(KEY), `the key reached the window: ${line.slice(0, 200)}`);

  // A second launch goes straight to the app.
  await stopDriver();
  await startDriver(env);
  await openApp();
  await el("nav-dashboard");
  assert.equal(await browser.execute(() => !!document.querySelector('[data-testid="onboarding"]')), false);
  await stopDriver();
});

test("no Secret Service: the key goes to the encrypted vault", async () => {
  await stopDriver();
  const { state, env } = freshHome({ DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" });
  await startDriver(env);
  await openApp();
  await click("welcome-next");
  await el("step-provider");
  await enterKey(KEY);
  await el("step-model");
  const stored = secretsList(env, state);
  assert.equal(stored.backend, "vault", JSON.stringify(stored));
  assert.ok(fs.existsSync(path.join(state, "secrets.vault")));
  assert.ok(!fs.readFileSync(path.join(state, "secrets.vault")).includes(KEY));
  await stopDriver();
});
