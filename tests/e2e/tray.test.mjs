// The tray icon of the real app and its menu, used as a user would from a desktop panel. Under
// bare Xvfb no panel runs, so this file is the panel (trayhost.mjs): it owns the
// StatusNotifierWatcher before the app starts, takes the item the app registers, reads its icon,
// label and menu, and clicks menu lines with the dbusmenu calls a panel makes. What the window
// shows (header state, the dashboard's pid line, the approval prompt) must agree with the menu.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { APP, ROOT, startFakeProvider } from "./common.mjs";
import { click, el, freshHome, openApp, setUpHome, shot, startDriver, stopDriver, text, win } from "./session.mjs";
import { classifyIcon, iconFile, startTrayHost } from "./trayhost.mjs";

const { state, env } = freshHome();
const ICONS = Object.fromEntries(["running", "stopped", "starting", "error"].map((k) => [k, path.join(ROOT, "icons", `tray-${k}.png`)]));
let fake;
let host;
/** The app's tray icon, as the panel has it. */
let item;

/** Waits for `fn` to return something truthy (polled every 100 ms); on a timeout fails with
 * `what` and what `seen()` says then. Works without the WebDriver session (after Quit). */
async function until(what, fn, { timeout = 15000, seen } = {}) {
  const t0 = Date.now();
  for (;;) {
    let last;
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeout) {
      const note = seen ? await Promise.resolve(seen()).catch((e) => `(${e.message})`) : last instanceof Error ? last.message : "";
      throw new Error(`${what} within ${timeout} ms${note ? `; seen: ${typeof note === "string" ? note : JSON.stringify(note)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
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

function parentOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 1).trim().split(/\s+/)[1]);
}

/** Gateways started for this file's state dir (other files' runs have their own). */
function ourGateways() {
  try {
    return execFileSync("pgrep", ["-f", "--", `--state-dir ${state}`], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number).filter(alive);
  } catch {
    return [];
  }
}

/** Whether X maps the app's window (xwininfo, from x11-utils). */
function windowViewable() {
  try {
    return execFileSync("xwininfo", ["-name", "Tidepool"], { encoding: "utf8" }).includes("IsViewable");
  } catch {
    return false;
  }
}

/** The menu's lines as text, "---" for a separator, "(off)" after a disabled line. */
async function menuText() {
  return (await item.lines()).map((l) => (l.separator ? "---" : `${l.label}${l.enabled ? "" : " (off)"}`));
}

/** The gateway line of the menu ("Gateway: …"). */
async function gatewayLine() {
  return (await item.lines()).find((l) => l.label?.startsWith("Gateway:"))?.label ?? "";
}

async function waitMenuLine(want) {
  await until(`the tray menu never said ${want}`, async () => (want instanceof RegExp ? want.test(await gatewayLine()) : (await gatewayLine()) === want), {
    seen: menuText,
  });
}

/** The window's header state (data-state of the header pill). */
async function headerState() {
  return (await el("header-state")).getAttribute("data-state");
}

async function waitHeader(want) {
  await until(`the window's header never showed ${want}`, async () => (await headerState()) === want, { timeout: 20000, seen: headerState });
}

/** The pid on the dashboard's details line, once it shows one. */
async function dashboardPid() {
  await click("nav-dashboard");
  let pid = 0;
  await until(
    "the dashboard shows no gateway pid",
    async () => {
      pid = Number((await text("card-pid")).replace(/\D/g, ""));
      return pid > 0;
    },
    { seen: () => text("card-pid") },
  );
  return pid;
}

/** The port on the dashboard's details line ("127.0.0.1:PORT"). */
async function dashboardPort() {
  let port = 0;
  await until(
    "the dashboard shows no gateway port",
    async () => {
      port = Number((await text("card-address")).split(":").pop());
      return port > 0;
    },
    { seen: () => text("card-address") },
  );
  return port;
}

/** Which icon the tray shows now, and whether it carries the approval badge. */
async function trayIcon() {
  const props = await item.props();
  const file = iconFile(props);
  assert.ok(file, `the icon ${props.IconName} (theme path ${props.IconThemePath}) is no file`);
  // The badge (tray.rs paint_badge): an amber disc with a white ring, top right; the icon
  // under it is judged on the pixels it leaves.
  const disc = (w, h) => {
    const r = Math.min(w, h) * 0.24;
    return { r, cx: w - r - 1, cy: r + 1 };
  };
  const underBadge = (x, y, w, h) => {
    const { r, cx, cy } = disc(w, h);
    return Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r + 1;
  };
  const { name, distance, distances, image } = await classifyIcon(file, ICONS, underBadge);
  const { cx, cy } = disc(image.width, image.height);
  const i = (Math.floor(cy) * image.width + Math.floor(cx)) * 4;
  const badge = [...image.rgba.subarray(i, i + 4)].join(",") === "245,158,11,255";
  return { name, distance, distances, badge, file };
}

async function waitIcon(want, badge = false) {
  await until(
    `the tray icon never became "${want}"${badge ? " with the badge" : ""}`,
    async () => {
      const icon = await trayIcon();
      return icon.name === want && icon.badge === badge;
    },
    { seen: async () => JSON.stringify(await trayIcon()) },
  );
  const icon = await trayIcon();
  // Closest is not enough: the picture is that icon (give or take 16-to-8-bit rounding).
  assert.ok(icon.distance < 1, `the icon looks like none of ours: ${JSON.stringify(icon.distances)}`);
}

const promptOpen = () => win().execute(() => !!document.querySelector('[data-testid="approval-prompt"]'));

/** "Later" on the approval prompt: it closes, the command keeps waiting. */
async function later() {
  await (await win().$('[data-testid="approval-prompt"]').$("button=Later")).click();
  await until("Later did not close the prompt", async () => !(await promptOpen()));
}

before(async () => {
  let port;
  ({ proc: fake, port } = await startFakeProvider());
  setUpHome(env, state);
  fs.writeFileSync(
    path.join(state, "tidepool.json"),
    `{\n  agents: { defaults: { model: "fake/fake-model" } },\n  tools: { exec: { mode: "ask" } },\n  models: { providers: { fake: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions" } } },\n}\n`,
  );
  // The panel first: an app that finds no watcher at launch shows an XEmbed icon instead (and
  // moves to the watcher only when one appears).
  host = await startTrayHost();
  await startDriver(env);
  await openApp();
});

after(async () => {
  await stopDriver();
  fake?.kill();
  await host?.stop();
  for (const pid of ourGateways()) process.kill(pid, "SIGKILL");
});

test("the app puts its icon in the tray; the menu names the running gateway and offers what fits", async () => {
  await waitHeader("running");
  // Ours is the item of the gateway's parent (an app left by another file may register too).
  const app = parentOf(await dashboardPid());
  assert.equal(fs.realpathSync(`/proc/${app}/exe`), fs.realpathSync(APP), "the gateway's parent is not the app");
  item = await host.waitItem(async (it) => (await it.pid()) === app);
  const props = await item.props();
  assert.equal(props.Status, "Active", "the icon is not shown");
  assert.match(props.Menu, /^\/.+/, "the icon has no menu");
  assert.equal(props.XAyatanaLabel, "", "a count beside the icon with nothing waiting");
  const port = await dashboardPort();
  await waitMenuLine(`Gateway: running on port ${port}`);
  assert.deepEqual(await menuText(), [
    "Open Tidepool",
    "---",
    `Gateway: running on port ${port} (off)`,
    "Start gateway (off)",
    "Stop gateway",
    "Restart gateway",
    "---",
    "Quit Tidepool",
  ]);
  await waitIcon("running");
});

test("Open Tidepool brings back the window closed to the tray with Ctrl+W", async () => {
  assert.ok(windowViewable(), "the window is not on screen to begin with");
  await win().keys(["Control", "w"]);
  await until("Ctrl+W did not hide the window", () => !windowViewable());
  assert.ok(host.has(item), "the tray icon went away with the window");
  await item.click("Open Tidepool");
  await until("Open Tidepool did not bring the window back", () => windowViewable());
  assert.equal(await headerState(), "running");
  await shot("tray-open-window");
});

test("a command waiting for approval: a badge and a count on the icon, lines in the menu, and its line opens the prompt", async () => {
  try {
    await win().execute(() =>
      window.__TAURI_INTERNALS__.invoke("chat_send", { key: "agent:main:main", message: '[[tool:exec {"command":"ls -la"}]] What is here?' }),
    );
    await el("approval-prompt");
    await until("the tray menu never listed the waiting command", async () => (await menuText()).includes("1 command waits for approval"), { seen: menuText });
    const lines = await menuText();
    assert.deepEqual(lines.slice(0, 5), ["Open Tidepool", "---", "1 command waits for approval", "    Review: ls -la", "---"], lines.join(" | "));
    assert.match(lines[5], /^Gateway: running on port \d+ \(off\)$/);
    await until("no count beside the icon", async () => (await item.props()).XAyatanaLabel === "1", { seen: async () => (await item.props()).XAyatanaLabel });
    await waitIcon("running", true);

    // Later, the window closed to the tray: the menu's line brings both back.
    await later();
    await win().keys(["Control", "w"]);
    await until("Ctrl+W did not hide the window", () => !windowViewable());
    await item.click(/^\s*Review: ls -la$/);
    await until("the Review line did not bring the window back", () => windowViewable());
    await el("approval-prompt");
    assert.equal(await text("approval-command"), "ls -la");
    await shot("tray-review-prompt");

    // The heading line opens the Approvals page on what waits.
    await later();
    await win().keys(["Control", "w"]);
    await until("Ctrl+W did not hide the window", () => !windowViewable());
    await item.click("1 command waits for approval");
    await until("the approvals line did not bring the window back", () => windowViewable());
    await el("pending-approval");
    assert.match(await text("pending-approval"), /ls -la/);

    // Denied: the lines, the count and the badge go.
    await item.click(/^\s*Review: ls -la$/);
    await el("approval-prompt");
    await click("approval-deny");
    await until("the menu still lists a command after Deny", async () => !(await menuText()).some((l) => /approval|Review:/.test(l)), { seen: menuText });
    await until("the count stayed beside the icon", async () => (await item.props()).XAyatanaLabel === "");
    await waitIcon("running");
    const after = await menuText();
    assert.deepEqual(after.slice(0, 2), ["Open Tidepool", "---"]);
    assert.match(after[2], /^Gateway: running on port \d+ \(off\)$/, after.join(" | "));
  } finally {
    // Whatever failed above, nothing is left waiting to block the next tests' clicks.
    if (await promptOpen().catch(() => false)) await click("approval-deny").catch(() => {});
  }
});

test("Stop gateway from the tray: the process ends, and the menu, the icon and the window say stopped", async () => {
  const pid = await dashboardPid();
  await item.click("Stop gateway");
  await waitMenuLine("Gateway: stopped");
  await waitHeader("stopped");
  await until(`the gateway (pid ${pid}) still runs`, () => !alive(pid), { timeout: 5000 });
  assert.deepEqual(ourGateways(), []);
  assert.deepEqual(await menuText(), ["Open Tidepool", "---", "Gateway: stopped (off)", "Start gateway", "Stop gateway (off)", "Restart gateway (off)", "---", "Quit Tidepool"]);
  await waitIcon("stopped");
  await el("stopped");
  await shot("tray-stopped-dashboard");
  // The panel refuses a disabled line, as a real one does.
  await assert.rejects(item.click("Stop gateway"), /disabled/);
});

test("Start gateway from the tray brings it back", async () => {
  await item.click("Start gateway");
  await waitMenuLine(/^Gateway: running on port \d+$/);
  await waitHeader("running");
  const pid = await dashboardPid();
  assert.ok(alive(pid), `the dashboard's pid ${pid} is not running`);
  assert.deepEqual(ourGateways(), [pid]);
  const port = await dashboardPort();
  assert.equal(await gatewayLine(), `Gateway: running on port ${port}`, "the menu and the dashboard name different ports");
  await waitIcon("running");
});

test("Restart gateway from the tray: a new process, the same state everywhere", async () => {
  const before = await dashboardPid();
  const seenBefore = item.history.length;
  await item.click("Restart gateway");
  await until(
    "the dashboard never showed a new gateway pid after Restart",
    async () => {
      const pid = Number((await text("card-pid")).replace(/\D/g, ""));
      return pid > 0 && pid !== before && (await headerState()) === "running";
    },
    { timeout: 20000, seen: () => text("card-pid") },
  );
  const after = await dashboardPid();
  assert.ok(alive(after), "the new gateway does not run");
  await until(`the old gateway (pid ${before}) still runs`, () => !alive(before), { timeout: 5000 });
  assert.deepEqual(ourGateways(), [after]);
  await waitMenuLine(/^Gateway: running on port \d+$/);
  await waitIcon("running");
  console.log(`# tray menu during the restart: ${item.history.slice(seenBefore).join(" → ")}`);
});

test("Quit Tidepool from the tray: the app and its gateway end, the icon leaves the tray", async () => {
  const gw = await dashboardPid();
  // The app is the gateway's parent (not found by name: other runs may have one too).
  const app = parentOf(gw);
  assert.equal(fs.realpathSync(`/proc/${app}/exe`), fs.realpathSync(APP), "the gateway's parent is not the app");
  await item.click("Quit Tidepool");
  await until(`the gateway (pid ${gw}) still runs after Quit`, () => !alive(gw), { timeout: 10000 });
  await until(`the app (pid ${app}) still runs after Quit`, () => !alive(app), { timeout: 10000 });
  await until("the icon stayed in the tray after Quit", () => !host.has(item), { timeout: 5000, seen: () => host.log.join("; ") });
  assert.deepEqual(ourGateways(), [], "a gateway is left");
  // Stopped, not killed: its log says so.
  const logs = fs.readdirSync(path.join(state, "logs")).sort();
  assert.match(fs.readFileSync(path.join(state, "logs", logs.at(-1)), "utf8"), /gateway stopped/);
});
