// What each page offers, driven through the UI of the real app as a user would: the command
// palette, links in a reply, Settings' login item and data folder, Sessions' search, compact,
// reset and delete, Logs' pause and clear; then every page is photographed in both themes.
// The system's opener is a recording `xdg-open` on PATH, so nothing really opens.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { APP, ARTIFACTS, startFakeProvider } from "./common.mjs";
import { click, el, fill, freshHome, openApp, setUpHome, shot, startDriver, stopDriver, text, typeText, until, win } from "./session.mjs";

const bin = fs.mkdtempSync("/tmp/tidepool-e2e-bin-");
const { home, state, env } = freshHome({ PATH: `${bin}:${process.env.PATH}` });
const OPENED = path.join(home, "opened.log");
// What the app asks the system to open, one line per call.
fs.writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${OPENED}'\n`, { mode: 0o755 });

let fake;

async function nav(page) {
  await click(`nav-${page}`);
}

async function waitRunning() {
  await win().waitUntil(async () => (await (await el("header-state")).getAttribute("data-state")) === "running", {
    timeout: 30000,
    interval: 100,
    timeoutMsg: "the gateway never showed running",
  });
}

function opened() {
  return fs.existsSync(OPENED) ? fs.readFileSync(OPENED, "utf8") : "";
}

before(async () => {
  let port;
  ({ proc: fake, port } = await startFakeProvider());
  setUpHome(env, state);
  fs.writeFileSync(
    path.join(state, "tidepool.json"),
    `{\n  agents: { defaults: { model: "fake/fake-model" } },\n  models: { providers: { fake: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions" } } },\n}\n`,
  );
  await startDriver(env);
  await openApp();
  await waitRunning();
});

after(async () => {
  await stopDriver();
  fake?.kill();
});

test("the command palette opens with Ctrl+K, filters as you type and goes where Enter says", async () => {
  await win().keys(["Control", "k"]);
  await el("palette");
  await click("palette-input");
  await typeText("logs");
  const first = await text("palette-item");
  assert.match(first, /Logs/, first);
  await win().keys("Enter");
  await el("log-list");
  assert.equal(await (await win().$('[data-testid="palette"]')).isExisting(), false, "the palette stays open");
  // Escape closes it without going anywhere.
  await win().keys(["Control", "k"]);
  await el("palette");
  await win().keys("Escape");
  await until("Escape did not close the palette", async () => !(await (await win().$('[data-testid="palette"]')).isExisting()));
});

test("a link in a reply opens in the system browser, and the window stays on the chat", async () => {
  await nav("chat");
  const box = await el("composer");
  await box.click();
  await typeText("Read [the guide](https://docs.example.com/start) first");
  await win().keys("Enter");
  await until("the reply with the link never arrived", async () =>
    win().execute(() => [...document.querySelectorAll('[data-testid="msg-assistant"] a')].some((a) => a.getAttribute("href") === "https://docs.example.com/start")),
  );
  // The composer has the focus again after the reply.
  await until("the composer lost the focus after the reply", async () => win().execute(() => document.activeElement?.getAttribute("data-testid") === "composer"));
  const link = await win().$('[data-testid="msg-assistant"] a[href="https://docs.example.com/start"]');
  await link.click();
  await until("the link was never handed to the system", async () => opened().includes("https://docs.example.com/start"));
  assert.ok(await (await win().$('[data-testid="composer"]')).isDisplayed(), "the window navigated away from the chat");
});

test("settings: open at login writes the login item and removes it; the data folder opens in the file manager", async () => {
  await nav("settings");
  const sw = await el("autostart");
  assert.equal(await sw.getAttribute("aria-checked"), "false");
  const dir = path.join(home, ".config", "autostart");
  await sw.click();
  await until("the switch never turned on", async () => (await sw.getAttribute("aria-checked")) === "true");
  const items = fs.readdirSync(dir).filter((f) => f.endsWith(".desktop"));
  assert.equal(items.length, 1, `login items: ${items}`);
  const entry = fs.readFileSync(path.join(dir, items[0]), "utf8");
  assert.match(entry, /^Exec=.*tidepool-desktop/m, entry);
  await shot("settings-light");
  await sw.click();
  await until("the switch never turned off", async () => (await sw.getAttribute("aria-checked")) === "false");
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".desktop")), []);

  await click("reveal-data");
  await until("the data folder was never handed to the file manager", async () => opened().includes(state));
  const shortcuts = await text("shortcuts");
  assert.match(shortcuts, /Command palette\s*Ctrl\+K/);
});

test("sessions: search, compact, reset and delete (confirmed with the conversation's name)", async () => {
  // A second conversation to find among the others.
  await nav("chat");
  await click("new-chat");
  const box = await el("composer");
  await box.click();
  await typeText("Plan the trip to Lisbon");
  await win().keys("Enter");
  await until("the second reply never arrived", async () => (await text("messages")).includes("echo: Plan the trip to Lisbon"));

  await nav("sessions");
  await el("session-row");
  await until("both conversations are not listed", async () => (await win().$$('[data-testid="session-row"]')).length === 2);
  await fill("sessions-search", "Lisbon");
  await until("the search did not narrow the list to one", async () => (await win().$$('[data-testid="session-row"]')).length === 1);
  const row = await el("session-row");
  assert.match(await win().execute(() => document.querySelector('[data-testid="session-row"]')?.textContent ?? ""), /Lisbon/);
  await (await row.$("td")).click();
  await shot("sessions-details-light");

  await (await win().$("button=Compact")).click();
  await until("compacting said nothing", async () =>
    win().execute(() => [...document.querySelectorAll('[data-tone="success"]')].some((t) => t.textContent?.includes("Nothing to compact yet"))),
  );

  await (await win().$("button=Reset")).click();
  const resetTitle = await win().execute(() => document.querySelector('[role="alertdialog"]')?.textContent ?? "");
  assert.match(resetTitle, /Plan the trip to Lisbon/);
  await click("confirm");

  await click("delete-session");
  const dialog = await win().execute(() => document.querySelector('[role="alertdialog"]')?.textContent ?? "");
  assert.match(dialog, /Delete .*Plan the trip to Lisbon/, dialog);
  await shot("sessions-delete-confirm-light");
  await click("confirm");
  await fill("sessions-search", "");
  await until("the deleted conversation is still listed", async () => (await win().$$('[data-testid="session-row"]')).length === 1);
  assert.doesNotMatch(await text("sessions-table"), /Lisbon/);
});

test("logs: clear empties the view and Undo brings the lines back", async () => {
  await nav("logs");
  await el("log-list");
  const count = () => win().execute(() => document.querySelectorAll('[data-testid="log-line"]').length);
  await until("no log lines", async () => (await count()) > 0);
  await click("log-clear");
  await until("clear left lines on the screen", async () => (await count()) === 0);
  const undo = await win().$("button=Undo");
  await undo.waitForDisplayed({ timeout: 5000 });
  await undo.click();
  await until("Undo did not bring the lines back", async () => (await count()) > 0);
});

test("every page, light and dark", async () => {
  for (const theme of ["light", "dark"]) {
    await nav("settings");
    await click(`theme-${theme}`);
    await until(`the ${theme} theme was not applied`, async () => win().execute((t) => document.documentElement.classList.contains("dark") === (t === "dark"), theme));
    for (const page of ["dashboard", "chat", "sessions", "approvals", "logs", "config", "hosts", "settings"]) {
      await nav(page);
      // Shown once nothing on the page is still loading.
      await until(`${page} kept loading`, async () => win().execute(() => !document.querySelector('main [aria-busy="true"], main .tp-skeleton')));
      // The page itself, without the toasts earlier steps left (they go by themselves in 5 s).
      for (const b of await win().$$('[aria-label="Dismiss"]')) await b.click().catch(() => {});
      await until("a toast stayed after Dismiss", async () => (await win().$$('[aria-label="Dismiss"]')).length === 0, 5000);
      await shot(`page-${page}-${theme}`);
    }
    await win().keys(["Control", "k"]);
    await click("palette-input");
    await shot(`palette-${theme}`);
    await win().keys("Escape");
    await until("Escape did not close the palette", async () => !(await (await win().$('[data-testid="palette"]')).isExisting()));
  }
});

/** PSS in kB of `pid` (its share of pages it maps with others: what it really costs). */
function pss(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The app's process and all its descendants (web and network processes, the gateway). */
function appTree() {
  const rows = execFileSync("ps", ["-A", "-o", "pid=,ppid=,comm="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, ...comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm: comm.join(" ") }));
  const roots = execFileSync("pgrep", ["-f", "--", APP], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  const out = [];
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop();
    const row = rows.find((r) => r.pid === pid);
    if (row && !out.some((o) => o.pid === pid)) out.push(row);
    stack.push(...rows.filter((r) => r.ppid === pid).map((r) => r.pid));
  }
  return out;
}

// The target is 250 MB; this debug build measures about 355 MB (docs/benchmarks.md), so the
// budget here keeps it from growing while the work to reach 250 goes on.
const PSS_BUDGET_MB = 380;

test("memory: the whole app after a chat and a visit to every page stays within its PSS budget", async () => {
  const parts = appTree().map((p) => ({ ...p, kb: pss(p.pid) }));
  const total = parts.reduce((n, p) => n + p.kb, 0);
  const report = parts.map((p) => `${p.comm} ${(p.kb / 1024).toFixed(1)} MB`).join(", ");
  fs.writeFileSync(path.join(ARTIFACTS, "memory-pss.txt"), `total ${(total / 1024).toFixed(1)} MB PSS: ${report}\n`);
  console.log(`memory after every page: ${(total / 1024).toFixed(1)} MB PSS (${report})`);
  assert.ok(parts.length >= 3, `found only ${report}`);
  assert.ok(total < PSS_BUDGET_MB * 1024, `${(total / 1024).toFixed(1)} MB PSS (budget ${PSS_BUDGET_MB}): ${report}`);
});
