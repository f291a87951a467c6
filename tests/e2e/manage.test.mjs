// Managing the gateway through the real app, as a user would: the header's Restart (a new
// process), a gateway killed under the app (restarted, counted; after a crash loop Tidepool
// gives up and says so), Logs' Pause/Resume and Export (through the system's save dialog),
// a conversation exported to Markdown from Sessions, and Settings: the port (used at the
// next start), starting the gateway with Tidepool (off: the next launch leaves it stopped) and
// bringing the window forward for approvals (off: it stays in the tray, the notification
// still goes out).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { APP, freePort, startFakeProvider, waitPort } from "./common.mjs";
import { click, el, fill, freshHome, openApp, setUpHome, shot, startDriver, stopDriver, text, typeText, until, win } from "./session.mjs";

/** `xdotool` drives the native save dialog (it is outside the webview); without it those tests skip. */
const XDOTOOL = (() => {
  try {
    execFileSync("xdotool", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const { home, state, env } = freshHome();
const OUT = path.join(home, "exports");
fs.mkdirSync(OUT);
let fake;

const nav = (page) => click(`nav-${page}`);
const headerState = () => win().execute(() => document.querySelector('[data-testid="header-state"]')?.getAttribute("data-state") ?? "");
const waitState = (want, timeout = 30000) => until(`the gateway never showed ${want}`, async () => (await headerState()) === want, timeout);
const exists = (testid) => win().execute((id) => !!document.querySelector(`[data-testid="${id}"]`), testid);
/** The header's button with this label (Start, Restart, Stop). */
const headerButton = (label) => win().$(`//header//button[normalize-space()="${label}"]`);

/** The pid the dashboard's details line shows (0 while it shows none). */
async function shownPid() {
  return Number(String(await text("card-pid")).replace(/\D/g, "")) || 0;
}

/** Waits until the dashboard shows a running gateway whose pid is not `old`; returns it. */
async function runningPid(old = 0, timeout = 30000) {
  let pid = 0;
  await until(
    `the dashboard never showed a running gateway with a pid other than ${old}`,
    async () => {
      if ((await headerState()) !== "running") return false;
      pid = await shownPid();
      return pid > 0 && pid !== old;
    },
    timeout,
  );
  return pid;
}

/** Alive = exists and is not a zombie. */
function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 1).trim().startsWith("Z");
  } catch {
    return false;
  }
}

/** Gateways started for this test's state dir. */
function ourGateways() {
  try {
    return execFileSync("pgrep", ["-f", "--", `--state-dir ${state}`], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number).filter(alive);
  } catch {
    return [];
  }
}

async function waitGone(pid, ms) {
  const t0 = Date.now();
  while (alive(pid)) {
    if (Date.now() - t0 > ms) throw new Error(`pid ${pid} still alive after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Records every state the header's pill shows from now on (a restart after a crash can be
 *  over before a poll would see it). */
async function recordStates() {
  await win().execute(() => {
    window.__e2eStates = [];
    window.__e2eObserver?.disconnect();
    const pill = () => document.querySelector('[data-testid="header-state"]');
    let last = null;
    const note = () => {
      const p = pill();
      const s = p ? `${p.getAttribute("data-state")}:${p.textContent.trim()}` : null;
      if (s && s !== last) window.__e2eStates.push(s);
      last = s;
    };
    window.__e2eObserver = new MutationObserver(note);
    window.__e2eObserver.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}
const recorded = () => win().execute(() => window.__e2eStates ?? []);

/** Restart in the header, from any page; resolves once the pill has left Running and come back. */
async function restartFromHeader() {
  await recordStates();
  await (await headerButton("Restart")).click();
  await until("the gateway did not come back after Restart", async () => {
    const seen = await recorded();
    return seen.some((s) => !s.startsWith("running:")) && seen.at(-1) === "running:Running";
  }, 30000);
}

/** The visible windows titled `title` (X window ids). */
function dialogs(title) {
  try {
    return execFileSync("xdotool", ["search", "--onlyvisible", "--name", `^${title}$`], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** Answers the system's save dialog titled `title` with the file `file`: types the whole path
 *  over the suggested name and presses Enter. Returns the name the dialog suggested. */
async function saveAs(title, file) {
  await until(`no "${title}" dialog appeared`, async () => dialogs(title).length > 0);
  const [id] = dialogs(title);
  // Bare Xvfb has no window manager to give the dialog the keyboard: focus it first.
  execFileSync("xdotool", ["windowfocus", "--sync", id]);
  // The name field has the focus and the suggested name; what it suggested, for the report.
  execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+a"]);
  execFileSync("xdotool", ["type", "--delay", "15", file]);
  await shot(`manage-save-dialog-${title.replace(/\W+/g, "-").toLowerCase()}`);
  execFileSync("xdotool", ["key", "Return"]);
  await until(`the "${title}" dialog did not close`, async () => dialogs(title).length === 0);
}

/** The success toasts' text, once one matches `re`; then the toasts are dismissed (with their
 *  close buttons), as they would cover what is under them for a few seconds. */
async function toastText(re) {
  let seen = "";
  await until(`no toast saying ${re}`, async () => {
    seen = await win().execute(() => [...document.querySelectorAll('[data-tone="success"]')].map((t) => t.textContent ?? "").join("\n"));
    return re.test(seen);
  });
  await dismissToasts();
  return seen;
}

async function dismissToasts() {
  for (const b of await win().$$('[data-tone] button[aria-label="Dismiss"]')) await b.click().catch(() => {});
  await until("the toasts did not close", async () => win().execute(() => !document.querySelector("[data-tone]")));
}

/** Whether X maps the app's window (xwininfo, from x11-utils). */
function windowViewable() {
  try {
    return execFileSync("xwininfo", ["-name", "Tidepool"], { encoding: "utf8" }).includes("IsViewable");
  } catch {
    return false;
  }
}

before(async () => {
  let port;
  ({ proc: fake, port } = await startFakeProvider());
  setUpHome(env, state);
  fs.writeFileSync(path.join(state, "workspace", "notes.txt"), "buy milk\n");
  // Commands ask first, except `sleep` (so an approval can arrive a moment after a message).
  fs.writeFileSync(
    path.join(state, "tidepool.json"),
    `{
  agents: { defaults: { model: "fake/fake-model" } },
  tools: { exec: { mode: "ask", rules: [{ pattern: "sleep *", action: "allow" }] } },
  models: { providers: { fake: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions" } } },
}
`,
  );
  await startDriver(env);
  await openApp();
  await waitState("running");
});

after(async () => {
  await stopDriver();
  fake?.kill();
  for (const pid of ourGateways()) process.kill(pid, "SIGKILL");
});

test("dashboard: Restart in the header brings the gateway back as a new process, counted", async () => {
  await nav("dashboard");
  const old = await runningPid();
  assert.match(await text("card-restarts"), /^0 restarts$/);
  await recordStates();
  await (await headerButton("Restart")).click();
  const pid = await runningPid(old);
  await until("the old gateway process is still alive", async () => !alive(old), 5000);
  assert.ok(alive(pid), `the pid the dashboard shows (${pid}) is not running`);
  assert.deepEqual(ourGateways(), [pid], "not exactly one gateway for this state dir");
  await until("the restart is not counted", async () => /^1 restart$/.test(await text("card-restarts")));
  const seen = await recorded();
  assert.ok(seen.some((s) => s.startsWith("stopping:")) || seen.some((s) => s.startsWith("starting:")), `the pill never showed the restart: ${seen}`);
  assert.match(await text("card-uptime"), /^up \d+s$/, "the uptime did not start again");
  await shot("manage-dashboard-restarted");
});

test("dashboard: a gateway killed under the app is restarted (the pill says so), counted, and the cause is shown", async () => {
  await nav("dashboard");
  const old = await runningPid();
  const restarts = Number((await text("card-restarts")).replace(/\D/g, ""));
  await recordStates();
  process.kill(old, "SIGKILL");
  const pid = await runningPid(old);
  const seen = await recorded();
  assert.ok(seen.includes("restarting:Restarting"), `the pill never showed Restarting: ${seen}`);
  assert.equal(seen.at(-1), "running:Running", `${seen}`);
  await until("the crash is not counted", async () => (await text("card-restarts")) === `${restarts + 1} restarts`);
  const main = await win().execute(() => document.querySelector('[data-testid="running"]')?.textContent ?? "");
  assert.match(main, /Last error: the gateway was killed by a signal/, main);
  // The cause is not a routine log line that happened to be the last one written.
  assert.doesNotMatch(main, /\bINFO\b|conn_id|client connected/, main);
  assert.deepEqual(ourGateways(), [pid]);
  await shot("manage-dashboard-after-crash");
});

test("dashboard: a gateway that keeps crashing is given up on, with the reason, and Start again brings it back", async () => {
  await nav("dashboard");
  // A fresh count: Stop and Start (the crash loop is counted from a start).
  await (await headerButton("Stop")).click();
  await waitState("stopped");
  // Its "Start again" toast would cover the composer later on.
  await dismissToasts();
  await (await win().$('//*[@data-testid="stopped"]//button[normalize-space()="Start gateway"]')).click();
  let pid = await runningPid();
  let kills = 0;
  // Five crashes within a minute and the supervisor stops trying.
  while (!(await exists("crashed")) && kills < 6) {
    process.kill(pid, "SIGKILL");
    kills += 1;
    await until(`after kill ${kills} the gateway neither came back nor was given up on`, async () => {
      if (await exists("crashed")) return true;
      if ((await headerState()) !== "running") return false;
      const now = await shownPid();
      return now > 0 && now !== pid;
    }, 40000);
    if (!(await exists("crashed"))) pid = await shownPid();
  }
  assert.equal(kills, 5, `gave up after ${kills} kills`);
  assert.equal(await headerState(), "crashed");
  const card = await text("crashed");
  assert.match(card, /The gateway stopped and Tidepool gave up restarting it/, card);
  assert.match(card, /killed by a signal.*gave up after 5 crashes within 60 s/, card);
  assert.match(await text("header-state"), /Crashed/);
  assert.deepEqual(ourGateways(), [], "a gateway still runs after Tidepool gave up");
  await shot("manage-dashboard-gave-up");
  await (await win().$('//*[@data-testid="crashed"]//button[normalize-space()="Start again"]')).click();
  const back = await runningPid();
  assert.deepEqual(ourGateways(), [back]);
});

/** The Logs page's line count: [shown, all] ("12 lines", or "3 of 12 lines" while filtering). */
async function logCount() {
  const t = String(await text("log-count")).replace(/,/g, "").trim();
  const m = /^(\d+)(?: of (\d+))? lines$/.exec(t);
  assert.ok(m, `the line count reads "${t}"`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

test("logs: while paused no new line shows (the button counts them); Resume shows them", async () => {
  await nav("logs");
  await el("log-list");
  // The lines that say a gateway came up: one more for each start.
  await fill("log-search", "gateway listening");
  await until("no 'gateway listening' line", async () => (await logCount())[0] > 0);
  const [started, all] = await logCount();
  const pause = await el("log-pause");
  assert.equal((await pause.getText()).trim(), "Pause");
  await pause.click();
  await until("Pause did not turn into Resume", async () => (await pause.getText()).trim() === "Resume");
  // Restart the gateway from the header: its new process writes new lines.
  await restartFromHeader();
  await until("the paused view does not count the new lines", async () => /^Resume \(\d+ new\)$/.test((await pause.getText()).trim()));
  assert.deepEqual(await logCount(), [started, all], "new lines appeared while paused");
  await shot("manage-logs-paused");
  const held = Number((await pause.getText()).replace(/\D/g, ""));
  await pause.click();
  await until("Resume did not show the new start", async () => (await logCount())[0] === started + 1);
  const [, after] = await logCount();
  assert.ok(after >= all + held, `${after} lines after Resume, ${all} before and ${held} held`);
  assert.equal((await pause.getText()).trim(), "Pause");
  // The newest shown is that start's line.
  const last = await win().execute(() => [...document.querySelectorAll('[data-testid="log-line"]')].sort((a, b) => a.dataset.index - b.dataset.index).at(-1)?.textContent ?? "");
  assert.match(last, /gateway listening/);
});


test("logs: Export saves the lines shown (the search applies) to the file chosen in the save dialog", { skip: !XDOTOOL && "xdotool is not installed" }, async () => {
  await nav("logs");
  await fill("log-search", "gateway listening");
  await until("no 'gateway listening' line", async () => (await logCount())[0] > 0);
  const [shown] = await logCount();
  const file = path.join(OUT, "gateway-starts.log");
  await (await win().$('//button[normalize-space()="Export"]')).click();
  await saveAs("Export logs", file);
  const said = await toastText(new RegExp(`Exported ${shown} lines`));
  assert.ok(said.includes(file), `the toast does not name the file: ${said}`);
  const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
  assert.equal(lines.length, shown, lines.join("\n"));
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT[\d:.]+Z? INFO gateway listening\b/, l);
  await fill("log-search", "");
});

test("sessions: Export writes the conversation as Markdown to the file chosen in the save dialog", { skip: !XDOTOOL && "xdotool is not installed" }, async () => {
  await nav("chat");
  await click("composer");
  await typeText("Plan the trip to Lisbon");
  await win().keys("Enter");
  await until("the reply never arrived", async () => (await text("messages")).includes("echo: Plan the trip to Lisbon"));
  await nav("sessions");
  await fill("sessions-search", "Lisbon");
  await until("the conversation is not listed", async () => (await win().$$('[data-testid="session-row"]')).length === 1);
  await (await (await el("session-row")).$("td")).click();
  const file = path.join(OUT, "lisbon.md");
  const exportButton = await win().$('//aside[@aria-label="Conversation details"]//button[normalize-space()="Export"]');
  await exportButton.waitForDisplayed({ timeout: 10000 });
  assert.match(await win().execute(() => document.querySelector('aside[aria-label="Conversation details"]')?.textContent ?? ""), /Plan the trip to Lisbon/);
  await exportButton.click();
  await saveAs("Export conversation", file);
  const said = await toastText(/Exported "Plan the trip to Lisbon" to /);
  assert.ok(said.includes(file), `the toast does not name the file: ${said}`);
  const md = fs.readFileSync(file, "utf8");
  assert.match(md, /^# Plan the trip to Lisbon\n/, md);
  assert.match(md, /Session `agent:main:[^`]+` \(agent `main`\), 2 messages/, md);
  assert.match(md, /## You\n\n(\[[^\]]*\] )?Plan the trip to Lisbon\n/, md);
  assert.match(md, /## Assistant\n\necho: Plan the trip to Lisbon\n/, md);
  assert.ok(md.indexOf("## You") < md.indexOf("## Assistant"), md);
  await fill("sessions-search", "");
});

test("settings: a new port is saved and used when the gateway restarts (the dashboard shows it)", async () => {
  const port = await freePort();
  await nav("settings");
  const field = await el("port");
  await field.click();
  await win().keys(["Control", "a"]);
  await typeText(String(port));
  await win().keys("Enter");
  // Saved: Save has nothing left to save, and the field keeps the new port.
  const save = await win().$('//*[@data-testid="port"]/following-sibling::button');
  await until("the port was not saved", async () => !(await save.isEnabled()));
  assert.equal(await field.getValue(), String(port));
  assert.equal(await exists("settings-error"), false, await text("settings-error"));
  await nav("dashboard");
  // It applies at the next start: Restart.
  await restartFromHeader();
  await until(`the dashboard does not show port ${port}`, async () => (await text("card-address")) === `127.0.0.1:${port}`);
  await waitPort(port, 5000);
  await shot("manage-dashboard-new-port");
});

test("settings: with approval pop-ups off the window stays in the tray when a command waits (the notification still goes out)", async () => {
  await nav("settings");
  const sw = await el("approval-popup");
  assert.equal(await sw.getAttribute("aria-checked"), "true");
  await sw.click();
  await until("the switch never turned off", async () => (await sw.getAttribute("aria-checked")) === "false");
  const monitor = spawn("dbus-monitor", ["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let notifications = "";
  monitor.stdout.on("data", (d) => (notifications += d));
  try {
    // The agent first sleeps (allowed by a rule), then asks to run ls: by then the window is
    // in the tray.
    await nav("chat");
    await click("new-chat");
    await click("composer");
    await typeText('[[tool:exec {"command":"sleep 3"}]] [[tool:exec {"command":"ls"}]] Look around');
    await win().keys("Enter");
    await win().keys(["Control", "w"]);
    await until("Ctrl+W did not hide the window", async () => !windowViewable(), 5000);
    await until(`no desktop notification (saw: ${notifications.slice(0, 300)})`, async () => notifications.includes("wants to run: ls"), 20000);
    // The window would come forward right after the notification: give it that moment.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(windowViewable(), false, "the window came forward with pop-ups off");
  } finally {
    monitor.kill();
  }
  // Opening Tidepool again brings the window back, with the prompt waiting.
  const second = spawn(APP, [], { env, stdio: "ignore" });
  const code = await new Promise((r) => second.on("exit", r));
  assert.equal(code, 0, "the second launch did not hand over");
  await until("the window did not come back", async () => windowViewable());
  await el("approval-prompt");
  assert.equal(await text("approval-command"), "ls");
  await shot("manage-approval-waited-in-tray");
  await click("approval-deny");
  await until("the prompt stayed after Deny", async () => !(await exists("approval-prompt")));
  await until("the agent was not told", async () => /the user denied running `ls`/.test(await text("messages")));
  // Back on, as it was.
  await nav("settings");
  await click("approval-popup");
  await until("the switch never turned on", async () => (await (await el("approval-popup")).getAttribute("aria-checked")) === "true");
});

test("settings: with start-with-Tidepool off the next launch leaves the gateway stopped; Start runs it on the saved port", async () => {
  await nav("settings");
  const sw = await el("start-on-launch");
  assert.equal(await sw.getAttribute("aria-checked"), "true");
  await sw.click();
  await until("the switch never turned off", async () => (await sw.getAttribute("aria-checked")) === "false");
  const port = Number((await (await el("port")).getValue()));
  const gateways = ourGateways();
  // Quit the app (the driver ends it); its gateway follows it.
  await win().deleteSession();
  for (const pid of gateways) await waitGone(pid, 5000);
  await openApp();
  await el("nav-dashboard");
  await until("the dashboard does not say the gateway is stopped", async () => (await headerState()) === "stopped" && (await exists("stopped")));
  // Nothing starts it a moment later either.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await headerState(), "stopped");
  assert.deepEqual(ourGateways(), [], "a gateway runs although it should not start with Tidepool");
  assert.match(await text("stopped"), /The gateway is stopped/);
  await shot("manage-dashboard-not-started");
  await nav("settings");
  assert.equal(await (await el("start-on-launch")).getAttribute("aria-checked"), "false", "the setting was not kept");
  await nav("dashboard");
  await (await win().$('//*[@data-testid="stopped"]//button[normalize-space()="Start gateway"]')).click();
  await runningPid();
  assert.equal(await text("card-address"), `127.0.0.1:${port}`, "the saved port was not used");
});
