// Chat, driven through the real app as a user would: a provider's error shown in the
// conversation, Retry after it, Stop while a reply is being written, New chat, the model
// picker, and renaming a conversation. The provider fake takes its cues from the message
// (`[[status:…]]`, `[[fail-once:…]]`, `[[hold]]`, see crates/testkit).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startFakeProvider } from "./common.mjs";
import { click, el, freshHome, openApp, setUpHome, shot, startDriver, stopDriver, text, typeText, until, win } from "./session.mjs";

const { state, env } = freshHome();
let fake;

const transcript = () => text("messages");
const count = (testid) => win().execute((id) => document.querySelectorAll(`[data-testid="${id}"]`).length, testid);
const exists = async (testid) => (await win().$(`[data-testid="${testid}"]`)).isExisting();

async function say(message) {
  await click("composer");
  await typeText(message);
  await win().keys("Enter");
}

before(async () => {
  let port;
  ({ proc: fake, port } = await startFakeProvider());
  setUpHome(env, state);
  // Only the large model has a price: a conversation that costs something went to it.
  fs.writeFileSync(
    path.join(state, "tidepool.json"),
    `{
  agents: { defaults: { model: "fake/fake-model" } },
  models: { providers: { fake: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions", models: [
    { id: "fake-model", name: "Fake small" },
    { id: "fake-large", name: "Fake large", cost: { input: 5000, output: 5000 } },
  ] } } },
}
`,
  );
  await startDriver(env);
  await openApp();
  await until("the gateway never showed running", async () => (await (await el("header-state")).getAttribute("data-state")) === "running", 30000);
  await click("nav-chat");
  await el("composer");
});

after(async () => {
  await stopDriver();
  fake?.kill();
});

test("chat: a provider's refusal is shown in the conversation with its reason", async () => {
  await say("summarise this [[status:400 This model does not accept images]]");
  const alert = await el("chat-error");
  await until("the error never said the provider's reason", async () => /does not accept images/.test(await alert.getText()));
  assert.doesNotMatch(await alert.getText(), /\[\[|stack|at \w+ \(/, "raw internals in the error");
  // The composer is free again: the turn is over.
  assert.equal(await exists("stop"), false, "Stop stays after a failed turn");
  await shot("chat-provider-error");
});

test("chat: Retry after a failed reply asks again, and the conversation ends with the answer", async () => {
  const errors = await count("chat-error");
  await say("plan my week [[fail-once:400 Temporarily refused]]");
  await until("the first try never failed", async () => (await count("chat-error")) === errors + 1);
  assert.match(await text("messages"), /HTTP 400: Temporarily refused/);
  // The Retry of the failed turn: the last one in the conversation.
  const retries = await win().$$('[data-testid="retry"]');
  assert.ok(retries.length > 0, "no Retry on the failed turn");
  await retries[retries.length - 1].click();
  // The provider sees both turns (the failed one and its retry) in one message, so the echo
  // holds both.
  await until("the retry's reply never arrived", async () => /echo: [^]*plan my week/.test(await transcript()));
  const last = await win().execute(() => [...document.querySelectorAll('[data-testid^="msg-"]')].at(-1)?.textContent ?? "");
  assert.match(last, /echo: [^]*plan my week/, `the conversation does not end with the answer: ${last}`);
  assert.equal(await count("chat-error"), errors + 1, "the retry failed too");
});

test("chat: Stop ends a reply that is being written, and the conversation says it was stopped", async () => {
  await say("write me a long story [[hold]]");
  const stop = await el("stop");
  await until("the first words never arrived", async () => /echo: write/.test(await text("live-reply")));
  await stop.click();
  await until("Stop did not end the reply", async () => !(await exists("stop")));
  await until("the stopped reply is not marked", async () => /Stopped\./.test(await transcript()));
  assert.match(await transcript(), /echo: write/, "the words written before Stop are gone");
  // The conversation goes on afterwards.
  await say("and now?");
  await until("no reply after a stop", async () => /echo: and now\?/.test(await transcript()));
});

test("chat: New chat starts an empty conversation beside the old one, both listed", async () => {
  const listed = await count("session-item");
  await click("new-chat");
  await until("the new conversation is not empty", async () => (await count("msg-user")) === 0);
  const composer = await el("composer");
  assert.equal(await composer.isFocused(), true, "the composer has no focus in a new chat");
  await say("a fresh start");
  await until("the new conversation's reply never arrived", async () => /echo: a fresh start/.test(await transcript()));
  await until("the new conversation is not listed", async () => (await count("session-item")) === listed + 1);
  const items = await win().execute(() => [...document.querySelectorAll('[data-testid="session-item"]')].map((e) => e.textContent));
  assert.match(items[0], /a fresh start/, `the new conversation is not first: ${items}`);
  // The old conversation is still there, with its messages.
  await (await win().$$('[data-testid="session-item"]'))[1].click();
  await until("the old conversation lost its messages", async () => /echo: and now\?/.test(await transcript()));
});

test("chat: the model picker names the models, and the chosen one answers (its price shows)", async () => {
  await click("new-chat");
  await say("small model please");
  await until("no reply from the default model", async () => /echo: small model please/.test(await transcript()));
  await until("no usage line", async () => /tokens/.test(await text("usage")));
  assert.match(await text("usage"), /\$0\.00/, "the default (free) model cost something");
  const picker = await el("model-picker");
  const shown = () => text("model-picker");
  assert.match(await shown(), /Agent default/);
  await picker.click();
  const option = await win().$('//*[@role="option"][contains(., "Fake large")]');
  await option.waitForDisplayed({ timeout: 5000 });
  await option.click();
  await until("the picker does not show the chosen model", async () => /Fake large/.test(await shown()));
  await say("large model please");
  await until("no reply from the chosen model", async () => /echo: large model please/.test(await transcript()));
  await until("the chosen model's price never showed", async () => !/\$0\.00/.test(await text("usage")), 10000);
  // The choice belongs to the conversation: it is still there after visiting another page.
  await click("nav-dashboard");
  await click("nav-chat");
  await until("the conversation forgot its model", async () => /Fake large/.test(await shown()));
});

test("chat: a conversation renamed in its header keeps the name in the list and after the page reopens", async () => {
  await click("rename");
  const field = await el("rename-input");
  assert.equal(await field.isFocused(), true, "the name field has no focus");
  await win().keys(["Control", "a"]);
  await typeText("Model comparison");
  await win().keys("Enter");
  await until("the header does not show the new name", async () => (await text("chat-title")) === "Model comparison");
  const first = () => win().execute(() => document.querySelector('[data-testid="session-item"][aria-current="true"]')?.textContent ?? "");
  await until("the list does not show the new name", async () => /Model comparison/.test(await first()));
  await shot("chat-renamed");
  await click("nav-sessions");
  await click("nav-chat");
  await until("the name was not kept", async () => (await text("chat-title")) === "Model comparison");
  // Escape leaves the name as it was.
  await click("rename");
  await el("rename-input");
  await typeText(" draft");
  await win().keys("Escape");
  await until("Escape did not close the field", async () => !(await exists("rename-input")));
  assert.equal(await text("chat-title"), "Model comparison");
});
