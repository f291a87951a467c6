// End-to-end test of the first-run setup in the real app: a fresh state dir → the wizard → a
// wrong key is refused with the reason → the right key goes to the Secret Service (gnome-keyring
// in the D-Bus session scripts/e2e provides) → quitting midway resumes → finish → the first
// reply → Chat. Then the same on a machine with no Secret Service: the key goes to the vault.
// The key never reaches a file, a log or the window (command replies, the page, its storage).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SIDECAR, startFakeProvider } from "./common.mjs";

/** `xdotool` drives the native dialog (it is outside the webview); without it that test skips. */
const XDOTOOL = (() => {
  try {
    execFileSync("xdotool", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
import { click, el, files, fill, freshHome, openApp, shot, startDriver, stopDriver, text, win, windowView } from "./session.mjs";

const KEY = "sk-e2e-onboarding-key-7731";
const WRONG = "sk-e2e-wrong-key-0000";

let fake;
let fakePort;

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

/** The page in the light theme, then in dark (the wizard runs before any setting is saved);
 * each after its colour transitions have ended. */
async function shotBoth(name) {
  await shot(`${name}-light`);
  await win().execute(() => document.documentElement.classList.add("dark"));
  await new Promise((r) => setTimeout(r, 400));
  await shot(`${name}-dark`);
  await win().execute(() => document.documentElement.classList.remove("dark"));
  await new Promise((r) => setTimeout(r, 400));
}

after(async () => {
  await stopDriver();
  fake?.kill();
});

test("first run: wizard → wrong key refused → key in the keychain → quit and resume → first reply → Chat", async () => {
  ({ proc: fake, port: fakePort } = await startFakeProvider({ ...process.env, FAKE_PROVIDER_API_KEY: KEY }));
  await stopDriver();
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
  await shotBoth("setup-2-provider-wrong-key");
  assert.equal(fs.existsSync(path.join(state, "tidepool.json")), false, "no config yet");

  // The right key: checked, stored, and the models listed.
  await fill("provider-key", KEY);
  await click("provider-check");
  await el("step-model");
  const models = await win().execute(() => [...document.querySelectorAll('[data-testid="model-option"]')].map((e) => e.textContent));
  assert.equal(models.length, 2, String(models));
  assert.ok(models[0].includes("fake-model"), String(models));
  await shotBoth("setup-3-model");
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
  await shotBoth("setup-4-workspace");
  await click("workspace-next");

  await el("step-finish");
  await shot("setup-5-finish-light");
  await click("finish-run");
  const reply = await win().$('[data-testid="finish-reply"]');
  await reply.waitForDisplayed({ timeout: 60000 });
  const said = await text("finish-reply");
  // The fake provider answers "echo: <what it was sent>": the model's reply, not an error.
  assert.match(said.replace("Your assistant says:", "").trim(), /^echo: \S/, said);
  await shot("setup-6-done-light");

  // The config has a reference, not the key; the workspace and safety are as chosen.
  const config = fs.readFileSync(path.join(state, "tidepool.json"), "utf8");
  assert.match(config, /"source": "store"/);
  assert.match(config, /"id": "OPENAI_API_KEY"/);
  assert.match(config, /"mode": "ask"/);
  assert.match(config, /openai\/fake-model/);

  await click("finish-open-chat");
  await el("nav-chat");
  // Typing goes into the composer at once.
  await win().waitUntil(() => win().execute(() => document.activeElement?.getAttribute("data-testid") === "composer"), {
    timeout: 10000,
    timeoutMsg: "the composer does not have the focus after Open Chat",
  });
  // The first exchange is in Chat: the message the setup sent and the model's echo of it.
  await win().waitUntil(
    () =>
      win().execute(() => {
        const user = document.querySelector('[data-testid="msg-user"]')?.textContent?.trim() ?? "";
        const reply = document.querySelector('[data-testid="msg-assistant"]')?.textContent ?? "";
        return user.length > 0 && reply.includes(`echo: ${user.slice(0, 20)}`);
      }),
    { timeout: 15000, timeoutMsg: "the first exchange (the message and its echo) is not in Chat" },
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
  assert.equal(await win().execute(() => !!document.querySelector('[data-testid="onboarding"]')), false);
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

test("workspace: Browse… opens the system's folder dialog; Cancel leaves the folder as it was", { skip: !XDOTOOL && "xdotool is not installed" }, async () => {
  await stopDriver();
  const { home, env } = freshHome();
  // Resume at the workspace step (the provider steps have their own test).
  const storeDir = path.join(home, "data", "ai.tidepool.desktop");
  fs.mkdirSync(storeDir, { recursive: true });
  const models = [{ id: "fake-model", name: "fake-model" }];
  fs.writeFileSync(
    path.join(storeDir, "settings.json"),
    JSON.stringify({ onboarding: { status: "inProgress", step: "workspace", provider: "openai", models, model: "fake-model", execMode: "ask" } }),
  );
  await startDriver(env);
  await openApp();
  await el("step-workspace");
  const field = () => win().execute(() => document.querySelector('[data-testid="workspace-folder"]').value);
  const before = await field();
  await click("workspace-browse");
  const dialogOpen = () => {
    try {
      return execFileSync("xdotool", ["search", "--onlyvisible", "--name", "^Choose a folder$"], { encoding: "utf8" }).trim() !== "";
    } catch {
      return false;
    }
  };
  await win().waitUntil(async () => dialogOpen(), { timeout: 15000, timeoutMsg: "no folder dialog appeared" });
  await shot("setup-4b-browse-dialog");
  // Bare Xvfb has no window manager to give the dialog the keyboard: focus it, then Escape.
  const id = execFileSync("xdotool", ["search", "--onlyvisible", "--name", "^Choose a folder$"], { encoding: "utf8" }).trim().split("\n")[0];
  execFileSync("xdotool", ["windowfocus", "--sync", id]);
  execFileSync("xdotool", ["key", "Escape"]);
  await win().waitUntil(async () => !dialogOpen(), { timeout: 10000, timeoutMsg: "the dialog did not close" });
  // The command has answered (the button is no longer busy) and the field is unchanged.
  await win().waitUntil(() => win().execute(() => document.querySelector('[data-testid="workspace-browse"]').getAttribute("aria-busy") === null), {
    timeout: 10000,
  });
  assert.equal(await field(), before);
  assert.equal(await win().execute(() => !!document.querySelector('[data-testid="workspace-browse-error"]')), false);
  await stopDriver();
});
