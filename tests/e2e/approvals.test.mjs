// The Approvals page of the real app, driven as a user would: the history of commands the
// agent asked to run (allowed and denied from the prompt, then filtered by outcome and
// searched), the policy editor (a new mode saved, confirmed, applied by the running gateway
// and still chosen after leaving the page), and a prompt nobody answers (it counts down, then
// the command is refused automatically). The agent is the provider fake, asked to run commands
// with `[[tool:exec {"command":…}]]` in a message.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startFakeProvider } from "./common.mjs";
import { click, el, fill, freshHome, openApp, setUpHome, shot, startDriver, stopDriver, text, typeText, until, win } from "./session.mjs";

const { state, env } = freshHome();
const CONFIG = path.join(state, "tidepool.json");
let fake;

const nav = (page) => click(`nav-${page}`);
const exists = (testid) => win().execute((id) => !!document.querySelector(`[data-testid="${id}"]`), testid);
const transcript = () => text("messages");

async function say(message) {
  await nav("chat");
  await click("composer");
  await typeText(message);
  await win().keys("Enter");
}

/** Waits for the approval prompt on `command`. */
async function prompted(command) {
  await el("approval-prompt");
  await until(`the prompt is not about ${command}`, async () => (await text("approval-command")) === command);
}

async function promptClosed(why) {
  await until(why, async () => !(await exists("approval-prompt")));
}

/** The history rows as the table shows them (cells separated by " | "). */
const historyRows = () =>
  win().execute(() => [...document.querySelectorAll('[data-testid="history-row"]')].map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent.trim()).join(" | ")));

/** Picks a history outcome filter and waits for the table (or its empty note) to follow. */
async function filterHistory(id, want) {
  await click(`history-filter-${id}`);
  await until(`the "${id}" filter does not show ${want} rows (shows ${JSON.stringify(await historyRows().catch(() => []))})`, async () => (await historyRows()).length === want && (want > 0 || (await exists("history-empty"))));
}

/** What the editor's save bar says ("Unsaved changes" or where the policy is saved); it has no
 *  test id, so it is the words beside Save policy. */
const saveBar = () =>
  win().execute(() => document.querySelector('[data-testid="policy-save"]')?.parentElement?.querySelector("span")?.textContent ?? "");

/** The mode the policy editor has chosen (its checked radio). */
const chosenMode = () => win().execute(() => document.querySelector('input[name="policy-mode"]:checked')?.value ?? "");

async function openPolicy() {
  await nav("approvals");
  await click("approvals-tab-policy");
  await el("policy-save");
}

/** Saves the policy and waits for the confirmation. */
async function savePolicy() {
  await click("policy-save");
  await el("policy-saved");
  assert.equal(await text("policy-saved"), "Saved. The running gateway uses the new policy now.");
  await until("the editor still says there are unsaved changes", async () => /Saved in tools\.exec of your config/.test(await saveBar()));
}

before(async () => {
  let port;
  ({ proc: fake, port } = await startFakeProvider());
  setUpHome(env, state);
  fs.writeFileSync(path.join(state, "workspace", "notes.txt"), "buy milk\n");
  fs.writeFileSync(
    CONFIG,
    `{
  agents: { defaults: { model: "fake/fake-model" } },
  tools: { exec: { mode: "ask" } }, // ask before running anything
  models: { providers: { fake: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions" } } },
}
`,
  );
  await startDriver(env);
  await openApp();
  await until("the gateway never showed running", async () => (await (await el("header-state")).getAttribute("data-state")) === "running", 30000);
});

after(async () => {
  await stopDriver();
  fake?.kill();
});

test("approvals: commands allowed and denied in the prompt are in the history; the outcome filter and the search narrow it", async () => {
  await say('[[tool:exec {"command":"ls"}]] Which files do I have?');
  await prompted("ls");
  await click("approval-once");
  await until("the allowed command's output never came back", async () => /Which files do I have\?[^]*done: exit code 0[^]*notes\.txt/.test(await transcript()));
  await promptClosed("the prompt stayed after Allow once");

  await say('[[tool:exec {"command":"cat notes.txt"}]] Read my notes');
  await prompted("cat notes.txt");
  await click("approval-deny");
  await until("the agent was not told the command was denied", async () => /the user denied running `cat notes\.txt`/.test(await transcript()));
  await promptClosed("the prompt stayed after Deny");

  await say('[[tool:exec {"command":"pwd"}]] Where am I?');
  await prompted("pwd");
  await click("approval-once");
  await until("the allowed pwd never answered", async () => /Where am I\?[^]*done: exit code 0[^]*\/state\/workspace/.test(await transcript()));
  await promptClosed("the prompt stayed after Allow once");

  await nav("approvals");
  await click("approvals-tab-history");
  await until("the history does not list the three commands", async () => (await historyRows()).length === 3);
  const all = await historyRows();
  // Newest first, each with its outcome and who decided.
  assert.match(all[0], /^.* \| pwd \| main \| Allowed \| you$/, all[0]);
  assert.match(all[1], /^.* \| cat notes\.txt \| main \| Denied \| you$/, all[1]);
  assert.match(all[2], /^.* \| ls \| main \| Allowed \| you$/, all[2]);

  await filterHistory("allowed", 2);
  assert.deepEqual((await historyRows()).map((r) => r.split(" | ")[1]), ["pwd", "ls"]);
  await shot("approvals-history-allowed");
  await filterHistory("denied", 1);
  assert.match((await historyRows())[0], /cat notes\.txt \| main \| Denied/);
  await filterHistory("expired", 0);
  assert.equal(await text("history-empty"), "No command matches these filters.");
  await filterHistory("all", 3);

  // The search, with and without an outcome.
  await fill("history-search", "notes");
  await until("the search did not narrow the history to the cat", async () => {
    const rows = await historyRows();
    return rows.length === 1 && rows[0].includes("cat notes.txt");
  });
  await filterHistory("allowed", 0);
  await filterHistory("denied", 1);
  await fill("history-search", "");
  await filterHistory("all", 3);

  // A row opens on where it ran and why it asked.
  const rows = await win().$$('[data-testid="history-row"]');
  // (The agent's cell: a click on the row's middle lands on the command's tooltip.)
  await (await rows[1].$("td:nth-child(3)")).click();
  const details = await text("history-details");
  assert.match(details, /judged under “.+”: no rule allows it/, details);
  assert.match(details, /workspace/, details);
  await shot("approvals-history-details");
});

test("policy: a new mode is saved (the page confirms), the running gateway applies it, and it is still chosen after leaving the page", async () => {
  await openPolicy();
  assert.equal(await chosenMode(), "ask");
  assert.match(await saveBar(), /Saved in tools\.exec of your config/);
  await click("policy-mode-allowlist");
  await until("the mode did not change", async () => (await chosenMode()) === "allowlist");
  assert.match(await saveBar(), /Unsaved changes/);
  await savePolicy();
  await shot("approvals-policy-saved");
  assert.match(fs.readFileSync(CONFIG, "utf8"), /mode: "allowlist"|"mode": "allowlist"/, "the file does not have the new mode");

  // Another page and back: the saved mode is the one chosen.
  await nav("dashboard");
  await openPolicy();
  assert.equal(await chosenMode(), "allowlist");
  assert.equal(await exists("policy-saved"), false, "the old confirmation is still shown");

  // The gateway uses it now: a command no rule allows is refused without asking.
  await say('[[tool:exec {"command":"cat notes.txt"}]] Read my notes again');
  await until("the refused command never came back to the agent", async () => /again[^]*done: Error: not run: no rule allows it \(tools\.exec\.mode is "allowlist"\)/.test(await transcript()));
  assert.equal(await exists("approval-prompt"), false, "it asked although the mode refuses without asking");
});

test("approvals: a prompt nobody answers counts down and the command is refused automatically when the time runs out", async () => {
  // Ask again, with 5 seconds to answer; nobody answering refuses the command.
  await openPolicy();
  await click("policy-mode-ask");
  await until("the mode did not change", async () => (await chosenMode()) === "ask");
  const wait = await el("policy-timeout");
  await wait.click();
  await win().keys(["Control", "a"]);
  await typeText("5");
  await (await el("policy-fallback")).selectByAttribute("value", "deny");
  await savePolicy();
  assert.match(fs.readFileSync(CONFIG, "utf8"), /approvalTimeoutSeconds"?: 5\b/);

  await say('[[tool:exec {"command":"ls -la"}]] Show me the details');
  await prompted("ls -la");
  const countdown = await el("approval-countdown");
  assert.equal(await countdown.getAttribute("data-outcome"), "refused");
  const first = await countdown.getText();
  assert.match(first, /^Refused automatically in 0:0[1-5]\.$/, first);
  await shot("approvals-countdown");
  // The countdown moves.
  await until(`the countdown stays at "${first}"`, async () => {
    const now = await text("approval-countdown");
    return /^Refused automatically in 0:0\d\.$/.test(now) && now < first;
  }, 5000);
  // It runs out: the prompt goes away by itself and the agent hears why.
  await promptClosed("the prompt stayed open after its time ran out");
  await until("the agent was not told nobody approved", async () => /nobody approved `ls -la` within 5 s, so it was not run/.test(await transcript()));
  await shot("approvals-expired-chat");

  await nav("approvals");
  await el("approvals-empty");
  await click("approvals-tab-history");
  await until("the history does not show the new command", async () => (await historyRows()).some((r) => r.includes("ls -la")));
  await filterHistory("expired", 1);
  assert.match((await historyRows())[0], /ls -la \| main \| No answer \| no answer in time$/);
});
