// One app session for a test file: a fresh HOME, tauri-driver in its own process group, the
// WebDriver session, and the small helpers every step uses (find by test id, click, fill, read,
// screenshot).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { remote } from "webdriverio";
import { APP, ARTIFACTS, SIDECAR, spawnDriver } from "./common.mjs";

let driver;
let driverPort;
let browser;

/** The current WebDriver session. */
export function win() {
  return browser;
}

/** A fresh HOME with nothing set up: no settings, no state dir. */
export function freshHome(extraEnv = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "tidepool-e2e-"));
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

export async function startDriver(env) {
  // Its own process group: stopping it also stops its WebKitWebDriver.
  ({ proc: driver, port: driverPort } = await spawnDriver(env, true));
}

export async function stopDriver() {
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
}

export async function openApp() {
  browser = await remote({
    hostname: "127.0.0.1",
    port: driverPort,
    logLevel: "warn",
    connectionRetryCount: 0,
    capabilities: { "tauri:options": { application: APP }, "wdio:enforceWebDriverClassic": true },
  });
}

/** Every reply the window gets from the commands that hold state (settings, setup progress,
 * config, logs, conversations), plus the page itself and its storage, as text. */
export async function windowView() {
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

export async function shot(name) {
  await browser.execute(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  execFileSync("import", ["-window", "root", path.join(ARTIFACTS, `${name}.png`)]);
}

export async function el(testid) {
  const e = await browser.$(`[data-testid="${testid}"]`);
  await e.waitForDisplayed({ timeout: 15000 });
  return e;
}

export async function click(testid) {
  await (await el(testid)).click();
}

/** Sets an input's value the way typing does (an `input` event). */
export async function fill(testid, text) {
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

export async function text(testid) {
  return browser.execute((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? "", testid);
}

export function files(dir) {
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


/** Types one key at a time: WebKitWebDriver drops a repeated key sent in one burst. */
export async function typeText(s) {
  for (const c of s) await browser.keys(c);
}

let failures = 0;
/** Waits for `fn` (every 100 ms, up to `timeout`); on a timeout, keeps a screenshot named after
 *  the test file and says what the page showed. */
export async function until(what, fn, timeout = 15000) {
  try {
    await browser.waitUntil(fn, { timeout, interval: 100, timeoutMsg: what });
  } catch (e) {
    failures += 1;
    const file = path.basename(process.argv[1] ?? "e2e", ".test.mjs");
    await shot(`${file}-failure-${failures}`).catch(() => {});
    const seen = await browser
      .execute(() => document.querySelector("main")?.textContent || document.body?.innerText || "")
      .catch(() => "");
    throw new Error(`${what}\nThe page showed: ${String(seen).slice(0, 800)}`, { cause: e });
  }
}

/** Makes a fresh home one where setup is done: the app's settings (light theme, the gateway
 *  started on launch on any free port, `settings` on top) and an empty workspace in `state`. */
export function setUpHome(env, state, settings = {}) {
  const store = path.join(env.XDG_DATA_HOME, "ai.tidepool.desktop");
  fs.mkdirSync(store, { recursive: true });
  fs.writeFileSync(
    path.join(store, "settings.json"),
    JSON.stringify({ settings: { theme: "light", startOnLaunch: true, closeToTray: true, port: 0, ...settings }, onboarding: { status: "done" } }),
  );
  fs.mkdirSync(path.join(state, "workspace"), { recursive: true });
}
