// More of the first-run setup in the real app: importing an OpenClaw setup (~/.openclaw with a
// provider, its key, a model, a workspace and a conversation) — the report first, nothing
// written before Import, then the gateway runs on the imported config with the key from the
// keychain and Chat holds the old conversation; the path for a server on this computer (no
// key: the wording says what was found on "your server", the summary needs no key); and
// setup started again from Settings after finishing: no "Picking up where you left off", the
// new choices applied, the conversations still there.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SIDECAR, startFakeProvider } from "./common.mjs";
import { click, el, files, fill, freshHome, openApp, shot, startDriver, stopDriver, text, typeText, until, win } from "./session.mjs";

const KEY = "sk-e2e-openclaw-import-key-4417";

/** Every provider fake started here: each test has its own, and a failed test leaves its own
 *  running for after() to stop. */
const fakes = [];
async function startFake(env) {
  const f = await startFakeProvider(env);
  fakes.push(f.proc);
  return f;
}

const exists = (testid) => win().execute((id) => !!document.querySelector(`[data-testid="${id}"]`), testid);
const lines = (testid) => win().execute((id) => [...document.querySelectorAll(`[data-testid="${id}"] li`)].map((e) => e.textContent.replace(/\s+/g, " ").trim()), testid);

function secretsList(env, state) {
  return JSON.parse(execFileSync(SIDECAR, ["secrets", "list", "--json", "--state-dir", state], { env, encoding: "utf8" }));
}

/** A fresh HOME whose app settings only move the gateway to any free port (the default port
 *  may be taken by another run); the setup has not been seen. */
function freshSetupHome(extraEnv) {
  const h = freshHome(extraEnv);
  const store = path.join(h.env.XDG_DATA_HOME, "ai.tidepool.desktop");
  fs.mkdirSync(store, { recursive: true });
  fs.writeFileSync(path.join(store, "settings.json"), JSON.stringify({ settings: { theme: "light", startOnLaunch: true, closeToTray: true, port: 0 } }));
  return h;
}

/** Runs the finish step and waits for the model's first reply. */
async function finishAndGreet() {
  await el("step-finish");
  await click("finish-run");
  await until("the setup never got the first reply", () => exists("finish-reply"), 90000);
  const said = await text("finish-reply");
  assert.match(said.replace("Your assistant says:", "").trim(), /^echo: \S/, said);
}

/** Every file under `dir` with its content hash. */
function tree(dir) {
  return Object.fromEntries(files(dir).map((f) => [path.relative(dir, f), createHash("sha256").update(fs.readFileSync(f)).digest("hex")]));
}

after(async () => {
  await stopDriver();
  for (const f of fakes) f.kill();
});

test("import from OpenClaw: the report first → Import → the gateway runs on it with the key from the keychain → the old conversation in Chat", async () => {
  const { proc: fake, port } = await startFake({ ...process.env, FAKE_PROVIDER_API_KEY: KEY });
  await stopDriver();
  const { home, state, env } = freshSetupHome();
  // What an OpenClaw user has: a config with a provider (its key written in), the default
  // model, a channel Tidepool does not run, a workspace with notes, and a conversation.
  const oc = path.join(home, ".openclaw");
  const put = (name, content) => {
    fs.mkdirSync(path.dirname(path.join(oc, name)), { recursive: true });
    fs.writeFileSync(path.join(oc, name), content);
  };
  put(
    "openclaw.json",
    `// my OpenClaw
{
  agents: {
    defaults: { model: { primary: "fake/fake-model" }, workspace: "${oc}/workspace" },
  },
  models: {
    providers: {
      fake: {
        baseUrl: "http://127.0.0.1:${port}/v1",
        apiKey: "${KEY}",
        api: "openai-completions",
        models: [{ id: "fake-model", name: "Fake model" }],
      },
    },
  },
  tools: { exec: { mode: "ask" } },
  channels: { telegram: { botToken: "123456:e2e-telegram-token" } },
}
`,
  );
  put("workspace/AGENTS.md", "# House rules\nBe brief.\n");
  put("workspace/memory/2026-11-30.md", "The user likes tide tables.\n");
  put("agents/main/sessions/sessions.json", JSON.stringify({ "agent:main:main": { sessionId: "s1", updatedAt: 1764460000000 } }));
  put(
    "agents/main/sessions/s1.jsonl",
    [
      { type: "session", version: 3, id: "s1", timestamp: "2026-11-30T09:00:00.000Z" },
      { type: "message", timestamp: "2026-11-30T09:00:01.000Z", message: { role: "user", content: [{ type: "text", text: "When is high tide in Brest?" }] } },
      { type: "message", timestamp: "2026-11-30T09:00:02.000Z", message: { role: "assistant", content: [{ type: "text", text: "High tide in Brest is at 14:32." }] } },
    ]
      .map((e) => JSON.stringify(e))
      .join("\n") + "\n",
  );
  const ocBefore = tree(oc);

  await startDriver(env);
  await openApp();
  await el("step-welcome");
  // An OpenClaw setup was found: importing it is offered, and chosen by default.
  const offer = await el("welcome-import");
  assert.match(await offer.getText(), new RegExp(`Bring your models, agents, keys and workspace from ${oc.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  assert.equal(await (await offer.$("input")).isSelected(), true, "the import is not the preselected choice");
  await click("welcome-next");

  // The report of a dry run: what comes along and what does not; nothing written yet.
  await el("step-import");
  await el("import-report");
  const carried = await lines("import-carried");
  assert.ok(carried.some((l) => /models\.providers\.fake.*1 model/.test(l)), JSON.stringify(carried));
  assert.ok(carried.some((l) => /agents\.defaults.*model fake\/fake-model/.test(l)), JSON.stringify(carried));
  const secrets = await lines("import-secrets");
  assert.equal(secrets.length, 1, JSON.stringify(secrets));
  assert.match(secrets[0], /FAKE_API_KEY/);
  const folders = await lines("import-folders");
  assert.ok(folders.some((l) => /2 files/.test(l)), `the workspace's 2 files are not listed: ${JSON.stringify(folders)}`);
  const convs = await lines("import-conversations");
  assert.ok(convs.some((l) => /Main conversation: 2 messages/.test(l)), JSON.stringify(convs));
  const left = await lines("import-not-carried");
  assert.ok(left.some((l) => /channels\s*not supported by Tidepool yet/.test(l)), `the channel is not named as left out, with why: ${JSON.stringify(left)}`);
  const page = await text("step-import");
  assert.ok(!page.includes(KEY) && !page.includes("e2e-telegram-token"), "a secret is shown in the report");
  assert.equal(fs.existsSync(path.join(state, "tidepool.json")), false, "the dry run wrote a config");
  assert.deepEqual(secretsList(env, state).entries, [], "the dry run stored a key");
  await shot("setup-more-import-report");

  await click("import-apply");
  await el("step-finish");
  assert.match(await text("finish-summary"), /Settings\s*Imported from OpenClaw/);
  const config = fs.readFileSync(path.join(state, "tidepool.json"), "utf8");
  assert.ok(!config.includes(KEY), "the key is in the config");
  assert.match(config, /"source": "store"/);
  assert.match(config, /fake\/fake-model/);
  assert.deepEqual(
    secretsList(env, state).entries.map((e) => e.name),
    ["FAKE_API_KEY"],
  );
  assert.equal(secretsList(env, state).backend, "keychain");
  assert.equal(fs.readFileSync(path.join(state, "workspace", "memory", "2026-11-30.md"), "utf8"), "The user likes tide tables.\n");
  await shot("setup-more-import-finish");

  // The fake provider answers only with the imported key: a reply proves it came from the keychain.
  await finishAndGreet();
  await click("finish-open-chat");
  await el("nav-chat");
  await until(
    "Chat does not show the conversation carried over from OpenClaw",
    async () => {
      const t = await text("messages");
      return t.includes("When is high tide in Brest?") && t.includes("High tide in Brest is at 14:32.");
    },
    20000,
  );
  await until("the setup's first exchange is not in the same conversation", async () => /echo: \S/.test(await text("messages")));
  // It goes on: a new message is answered.
  await click("composer");
  await typeText("and tomorrow?");
  await win().keys("Enter");
  await until("no reply in the imported conversation", async () => /echo: and tomorrow\?/.test(await text("messages")), 20000);
  await shot("setup-more-import-chat");

  // OpenClaw's files are as they were; the key is in none of Tidepool's files.
  assert.deepEqual(tree(oc), ocBefore, "the import changed OpenClaw's files");
  for (const f of files(home).filter((f) => !f.startsWith(oc + path.sep))) {
    assert.ok(!fs.readFileSync(f).includes(KEY), `the key is in ${f}`);
  }
  await stopDriver();
  fake.kill();
});

/** Provider step: "On this computer" at the fake's address, no key. */
async function localServer(port) {
  await el("step-provider");
  await click("provider-local");
  const url = await el("provider-url");
  // The usual Ollama address is filled in; the key is optional.
  assert.equal(await url.getValue(), "http://127.0.0.1:11434/v1");
  assert.match(await text("step-provider"), /API key \(only if your server asks for one\)/);
  await fill("provider-url", `http://127.0.0.1:${port}/v1`);
  await click("provider-check");
}

test("a server on this computer: no key → 'Found 1 model on your server' → finish with no key → Chat; Run setup again: not 'picking up', the conversations stay", async () => {
  // A local server with one model and no key (the fake without FAKE_PROVIDER_API_KEY).
  const { port } = await startFake({ ...process.env, FAKE_PROVIDER_MODELS: "llama3.2" });
  await stopDriver();
  const { state, env } = freshSetupHome();
  await startDriver(env);
  await openApp();
  await el("step-welcome");
  assert.equal(await exists("welcome-import"), false, "an import is offered with no OpenClaw here");
  await click("welcome-fresh");
  await click("welcome-next");
  await localServer(port);

  await el("step-model");
  const heading = await text("step-model");
  assert.match(heading, /Found 1 model on your server\. It is selected/, heading);
  assert.doesNotMatch(heading, /offers|key/i, heading);
  const models = await win().execute(() => [...document.querySelectorAll('[data-testid="model-option"]')].map((e) => e.textContent));
  assert.deepEqual(models.length, 1, String(models));
  assert.match(models[0], /llama3\.2/);
  assert.deepEqual(secretsList(env, state).entries, [], "a key was stored for a server that needs none");
  await shot("setup-more-local-model");
  await click("model-next");
  await el("step-workspace");
  await click("workspace-next");

  await el("step-finish");
  const summary = await text("finish-summary");
  assert.match(summary, new RegExp(`Your server at http://127\\.0\\.0\\.1:${port}/v1`), summary);
  assert.match(summary, /Key\s*None needed/, summary);
  assert.match(summary, /llama3\.2/, summary);
  await shot("setup-more-local-finish");
  await finishAndGreet();
  const config = fs.readFileSync(path.join(state, "tidepool.json"), "utf8");
  assert.match(config, new RegExp(`"baseUrl": "http://127\\.0\\.0\\.1:${port}/v1"`));
  assert.match(config, /"api": "openai-completions"/);
  assert.doesNotMatch(config, /apiKey/, "a key reference for a server that needs none");
  assert.match(config, /local\/llama3\.2/);
  await click("finish-open-chat");
  await el("nav-chat");
  await until("the first exchange is not in Chat", async () => /echo: \S/.test(await text("messages")));

  // A second conversation, to see that running setup again leaves conversations alone.
  await click("new-chat");
  await click("composer");
  await typeText("keep this one");
  await win().keys("Enter");
  await until("no reply in the new conversation", async () => /echo: keep this one/.test(await text("messages")), 20000);
  const count = () => win().execute(() => document.querySelectorAll('[data-testid="session-item"]').length);
  await until("both conversations are not listed", async () => (await count()) === 2);

  // Settings → First-run setup → Run setup again.
  await click("nav-settings");
  await click("rerun-setup");
  await el("step-welcome");
  assert.equal(await exists("onboarding-resumed"), false, "the setup says it picks up where it was left off");
  await click("welcome-fresh");
  await click("welcome-next");
  await localServer(port);
  for (const step of ["step-model", "step-workspace", "step-finish"]) {
    await el(step);
    assert.equal(await exists("onboarding-resumed"), false, `'Picking up where you left off' on ${step}`);
    if (step === "step-model") await click("model-next");
    if (step === "step-workspace") {
      // Another safety level this time.
      await click("safety-deny");
      await click("workspace-next");
    }
  }
  assert.doesNotMatch(await win().execute(() => document.body.innerText), /Picking up where you left off/);
  await shot("setup-more-rerun-finish");
  await finishAndGreet();
  assert.match(fs.readFileSync(path.join(state, "tidepool.json"), "utf8"), /"mode": "deny"/, "the new safety level was not saved");
  await click("finish-open-chat");
  await el("nav-chat");
  await until("a conversation was lost by running setup again", async () => (await count()) === 2);
  const items = await win().execute(() => [...document.querySelectorAll('[data-testid="session-item"]')].map((e) => e.textContent));
  assert.ok(items.some((t) => t.includes("keep this one")), `the second conversation is gone: ${items}`);
  await (await win().$('//*[@data-testid="session-item"][contains(., "keep this one")]')).click();
  await until("the kept conversation lost its messages", async () => /echo: keep this one/.test(await text("messages")));
  await shot("setup-more-rerun-chat");
  await stopDriver();
});
