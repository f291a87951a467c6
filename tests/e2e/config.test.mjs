// End-to-end tests of the Config page in the real app: the raw editor refuses a typo with the
// gateway's reason; a change made in the form is saved through the running gateway and applied
// at once; a provider key set in the form goes to the keychain (only the reference reaches the
// file); a provider added in the form lands in the file. Every save keeps the file's comments.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startFakeProvider } from "./common.mjs";
import { freshHome, openApp, shot, startDriver, stopDriver, win } from "./session.mjs";

const { home, state: STATE, env } = freshHome();
let fake;

async function typeText(text) {
  // One key at a time: WebKitWebDriver drops a repeated key ("gg") sent in one burst.
  for (const c of text) await win().keys(c);
}

/** The screen in the light theme, then in dark, each after its colour transitions have ended. */
async function shotBoth(name) {
  await shot(`${name}-light`);
  await win().execute(() => document.documentElement.classList.add("dark"));
  await new Promise((r) => setTimeout(r, 400));
  await shot(`${name}-dark`);
  await win().execute(() => document.documentElement.classList.remove("dark"));
  await new Promise((r) => setTimeout(r, 400));
}

async function nav(page) {
  await (await win().$(`[data-testid="nav-${page}"]`)).click();
}

before(async () => {
  let port;
  ({ proc: fake, port } = await startFakeProvider());
  // Set up already (the wizard has its own test); the gateway on any free port.
  const storeDir = path.join(home, "data", "ai.tidepool.desktop");
  fs.mkdirSync(storeDir, { recursive: true });
  fs.writeFileSync(
    path.join(storeDir, "settings.json"),
    JSON.stringify({ settings: { theme: "light", startOnLaunch: true, closeToTray: true, port: 0 }, onboarding: { status: "done" } }),
  );
  fs.mkdirSync(STATE, { recursive: true });
  fs.writeFileSync(
    path.join(STATE, "tidepool.json"),
    `// e2e: the agent talks to a fake provider\n{\n  agents: { defaults: { model: "fake/fake-model" } },\n  tools: { exec: { mode: "ask" } }, // ask before running anything\n  models: { providers: { fake: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions" } } },\n  // kept from OpenClaw\n  browser: { enabled: true },\n  talk: { voiceId: "nova" },\n}\n`,
  );
  await startDriver(env);
  await openApp();
  await win().waitUntil(async () => (await (await win().$('[data-testid="header-state"]')).getAttribute("data-state")) === "running", {
    timeout: 20000,
    timeoutMsg: "the gateway never ran",
  });
});

after(async () => {
  await stopDriver();
  fake?.kill();
});

test("config: a typo in the editor is refused; a change in the form is saved and applied at once", async () => {
  await nav("config");
  await (await win().$('[data-testid="config-mode"]')).waitForDisplayed({ timeout: 10000 });
  assert.equal(await (await win().$('[data-testid="config-mode"]')).getText(), "Live");
  await (await win().$('[data-testid="config-form"]')).waitForDisplayed({ timeout: 10000 });
  await shot("config-form");
  // OpenClaw settings Tidepool does not act on yet: a folded note, not an error.
  const note = await win().$('[data-testid="config-unsupported"]');
  assert.match(await note.getText(), /2 OpenClaw settings are not used by Tidepool yet/);
  await (await win().$('[data-testid="config-unsupported-toggle"]')).click();
  await (await win().$('[data-testid="config-unsupported-list"]')).waitForDisplayed();
  const listed = await win().execute(() => [...document.querySelectorAll('[data-testid="config-unsupported-list"] li')].map((li) => li.textContent));
  assert.deepEqual(listed.sort(), ["browser", "talk"]);
  await shotBoth("config-unsupported");
  await (await win().$('[data-testid="config-unsupported-toggle"]')).click();
  // The raw editor: a typo is refused and marked.
  await (await win().$('[data-testid="tab-raw"]')).click();
  const content = await win().$(".cm-content");
  await content.click();
  await win().keys(["Control", "a"]);
  await typeText("{ logging: { levle: 'debug' } }");
  await (await win().$('[data-testid="config-review"]')).click();
  await (await win().$('[data-testid="config-save"]')).click();
  const refused = await win().$('[data-testid="config-refused"]');
  await refused.waitForDisplayed({ timeout: 10000 });
  assert.match(await refused.getText(), /did you mean `level`\?/);
  await shot("config-invalid");
  // The form: set the log level, review, save.
  await (await win().$("button=Revert")).click();
  await (await win().$('[data-testid="tab-form"]')).click();
  const level = await win().$('[data-testid="cfg-logging-level"]');
  await level.waitForDisplayed();
  await level.click();
  await typeText("debug");
  await win().keys("Tab");
  await (await win().$('[data-testid="config-review"]')).click();
  await (await win().$('[data-testid="diff"]')).waitForDisplayed();
  await shot("config-diff");
  await (await win().$('[data-testid="config-save"]')).click();
  const saved = await win().$('[data-testid="config-saved"]');
  await saved.waitForDisplayed({ timeout: 10000 });
  assert.match(await saved.getText(), /applied by the running gateway/);
  const onDisk = fs.readFileSync(path.join(STATE, "tidepool.json"), "utf8");
  // Edited in place: the new key in the file's own style, the comments still there.
  assert.match(onDisk, /logging: \{\s*level: "debug"/);
  assert.ok(onDisk.startsWith("// e2e: the agent talks to a fake provider\n"), onDisk);
  assert.ok(onDisk.includes('tools: { exec: { mode: "ask" } }, // ask before running anything'), onDisk);
  await shot("config-saved");
  // A provider key from the form: stored through the gateway, only the reference in the file.
  const SECRET = "sk-e2e-form-key-5151";
  await (await win().$('[data-testid="cfg-models-providers-fake-apiKey-set"]')).click();
  await (await win().$('[data-testid="cfg-models-providers-fake-apiKey-value"]')).waitForDisplayed();
  await win().execute((v) => {
    const input = document.querySelector('[data-testid="cfg-models-providers-fake-apiKey-value"]');
    input.value = v;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }, SECRET);
  await (await win().$('[data-testid="cfg-models-providers-fake-apiKey-save"]')).click();
  await win().waitUntil(
    async () => (await (await win().$('[data-testid="cfg-models-providers-fake-apiKey-where"]')).getText()).includes("In the keychain as FAKE_API_KEY"),
    { timeout: 10000, timeoutMsg: "the key was not stored" },
  );
  await (await win().$('[data-testid="cfg-models-providers-fake-apiKey"]')).scrollIntoView();
  await shot("config-secret");
  await (await win().$('[data-testid="config-review"]')).click();
  await (await win().$('[data-testid="config-save"]')).click();
  await win().waitUntil(() => fs.readFileSync(path.join(STATE, "tidepool.json"), "utf8").includes("FAKE_API_KEY"), {
    timeout: 10000,
    timeoutMsg: "the reference was not saved",
  });
  const withRef = fs.readFileSync(path.join(STATE, "tidepool.json"), "utf8");
  assert.match(withRef, /source: "store"/);
  assert.ok(withRef.includes("// ask before running anything"), withRef);
  assert.ok(!withRef.includes(SECRET), "the key is in the config file");
  assert.ok(!(await win().execute(() => document.documentElement.outerHTML)).includes(SECRET), "the key stays in the page");
  // Applied without a restart: the running gateway logs at debug level now (the Logs page
  // and dashboard keep talking to it).
  await win().waitUntil(
    () => {
      const logs = fs.readdirSync(path.join(STATE, "logs")).sort();
      return fs.readFileSync(path.join(STATE, "logs", logs.at(-1)), "utf8").includes('"level":"debug"');
    },
    { timeout: 15000, timeoutMsg: "no debug line after the change" },
  );
});

test("config: a provider added in the form is saved into the file as written", async () => {
  await nav("config");
  await (await win().$('[data-testid="config-form"]')).waitForDisplayed({ timeout: 10000 });
  await (await win().$('[data-testid="cfg-models-providers-add"]')).click();
  const set = (id, v, event) =>
    win().execute(
      (id, v, event) => {
        const el = document.querySelector(`[data-testid="${id}"]`);
        el.value = v;
        el.dispatchEvent(new Event(event, { bubbles: true }));
      },
      id,
      v,
      event,
    );
  await (await win().$('[data-testid="cfg-models-providers-new-name"]')).waitForDisplayed();
  await set("cfg-models-providers-new-name", "fake", "input");
  assert.match(await (await win().$('[data-testid="cfg-models-providers-new-problem"]')).getText(), /already exists/);
  await set("cfg-models-providers-new-name", "local", "input");
  await (await win().$('[data-testid="cfg-models-providers-new-add"]')).click();
  await (await win().$('[data-testid="cfg-models-providers-local-baseUrl"]')).waitForDisplayed({ timeout: 10000 });
  await set("cfg-models-providers-local-baseUrl", "http://127.0.0.1:9/v1", "change");
  await set("cfg-models-providers-local-api", "ollama", "change");
  await win().waitUntil(async () => (await (await win().$('[data-testid="cfg-models-providers-local-api"]')).getValue()) === "ollama");
  await (await win().$('[data-testid="cfg-models-providers-entry-local"]')).scrollIntoView();
  await shot("config-add-provider");
  await (await win().$('[data-testid="config-review"]')).click();
  await (await win().$('[data-testid="diff"]')).waitForDisplayed();
  await (await win().$('[data-testid="config-save"]')).click();
  await (await win().$('[data-testid="config-saved"]')).waitForDisplayed({ timeout: 10000 });
  const text = fs.readFileSync(path.join(STATE, "tidepool.json"), "utf8");
  assert.match(text, /local: \{\s*baseUrl: "http:\/\/127\.0\.0\.1:9\/v1",\s*api: "ollama",?\s*\}/, text);
  assert.ok(text.startsWith("// e2e: the agent talks to a fake provider\n"), text);
  assert.ok(text.includes("// ask before running anything"), text);
});

test("config: a hand-broken file stops the gateway; the dashboard restores the last working one and starts it", async () => {
  const file = path.join(STATE, "tidepool.json");
  const good = fs.readFileSync(file, "utf8");
  // A typo made in an editor, while the app runs; the restart then loads it and refuses.
  const broken = good.replace("agents: { defaults: { model:", "agents: { defaults: { modle:");
  assert.notEqual(broken, good, "the test's config has no `agents.defaults.model` to break");
  fs.writeFileSync(file, broken);
  await nav("dashboard");
  await (await win().$("button=Restart")).click();
  const box = await win().$('[data-testid="crashed-config"]');
  await box.waitForDisplayed({ timeout: 30000, timeoutMsg: "the dashboard did not offer the way back" });
  assert.match(await box.getText(), /its config file has a mistake/);
  assert.match(await (await win().$('[data-testid="crashed-reason"]')).getText(), /modle/);
  assert.equal(await (await win().$('[data-testid="header-state"]')).getAttribute("data-state"), "crashed");
  await shotBoth("dashboard-config-broken");

  // The difference first; nothing is written before the confirmation.
  await (await win().$('[data-testid="restore-offer"]')).click();
  // The restore's own diff (the Config page's review dialog has one too, and may still be
  // closing from the test before).
  const diff = await win().$('[data-testid="restore-diff"] [data-testid="diff"]');
  await diff.waitForDisplayed({ timeout: 10000 });
  const removed = await win().execute(() => [...document.querySelectorAll('[data-testid="restore-diff"] [data-testid="diff"] [data-kind="del"]')].map((e) => e.textContent));
  const added = await win().execute(() => [...document.querySelectorAll('[data-testid="restore-diff"] [data-testid="diff"] [data-kind="add"]')].map((e) => e.textContent));
  assert.ok(removed.some((l) => l.includes("modle")), JSON.stringify(removed));
  assert.ok(added.some((l) => l.includes("model:")), JSON.stringify(added));
  assert.equal(fs.readFileSync(file, "utf8"), broken);
  await shotBoth("dashboard-restore-diff");

  await (await win().$('[data-testid="restore-confirm"]')).click();
  await win().waitUntil(async () => (await (await win().$('[data-testid="header-state"]')).getAttribute("data-state")) === "running", {
    timeout: 30000,
    timeoutMsg: "the gateway did not run after the restore",
  });
  await (await win().$('[data-testid="running"]')).waitForDisplayed({ timeout: 10000 });
  assert.equal(fs.readFileSync(file, "utf8"), good);
  assert.match(await (await win().$('[data-testid="restored"]')).getText(), /Restored .*tidepool\.json\.last-good/);
  // The broken text is kept beside the file, not lost.
  const kept = fs.readdirSync(STATE).filter((n) => n.startsWith("tidepool.json.replaced."));
  assert.equal(kept.length, 1, String(kept));
  assert.equal(fs.readFileSync(path.join(STATE, kept[0]), "utf8"), broken);
  await shotBoth("dashboard-restored");
});
