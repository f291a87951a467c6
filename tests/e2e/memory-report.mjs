// A memory benchmark, not a test: the app (TIDEPOOL_APP, default the debug build) is driven
// through a chat and every page, and the PSS of each of its processes is printed after each
// step, then after 20 s idle. PSS (from /proc/<pid>/smaps_rollup) counts pages shared between
// processes once. Run it with `scripts/bench/app-memory [release|debug]`.
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { startFakeProvider } from "./common.mjs";
import { click, el, freshHome, openApp, setUpHome, startDriver, stopDriver, win } from "./session.mjs";

const { state, env } = freshHome();
const { proc: fake, port } = await startFakeProvider();
setUpHome(env, state);
fs.writeFileSync(path.join(state, "tidepool.json"), `{ agents: { defaults: { model: "fake/fake-model" } }, models: { providers: { fake: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions" } } } }`);

/** This script's descendants (tauri-driver → WebKitWebDriver → the app → its web, network and
 *  gateway processes), so another app running on the machine is not counted. */
function ours() {
  const rows = execFileSync("ps", ["-A", "-o", "pid=,ppid=,comm="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, ...c]) => ({ pid: Number(pid), ppid: Number(ppid), comm: c.join(" ") }));
  const out = [];
  const stack = [process.pid];
  while (stack.length) {
    const p = stack.pop();
    for (const r of rows.filter((x) => x.ppid === p)) {
      out.push(r);
      stack.push(r.pid);
    }
  }
  return out.filter((r) => /tidepool|WebKitWebProces|WebKitNetworkPr/.test(r.comm));
}
const pss = (pid) => {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+)/m)[1]);
  } catch {
    return 0;
  }
};
const rows = [];
function report(step) {
  const parts = ours().map((p) => ({ comm: p.comm.replace("WebKitWebProces", "web").replace("WebKitNetworkPr", "network").replace("tidepool-deskto", "app").replace(/^tidepool$/, "gateway"), mb: pss(p.pid) / 1024 }));
  const total = parts.reduce((n, p) => n + p.mb, 0);
  rows.push({ step, total, parts });
  console.log(`| ${step} | ${total.toFixed(0)} | ${parts.map((p) => `${p.comm} ${p.mb.toFixed(0)}`).join(", ")} |`);
}

await startDriver(env);
await openApp();
await win().waitUntil(async () => (await (await el("header-state")).getAttribute("data-state")) === "running", { timeout: 30000 });
console.log("| step | total MB PSS | processes |\n|---|---|---|");
report("launched");
for (const page of ["chat", "sessions", "approvals", "logs", "config", "settings", "dashboard"]) {
  await click(`nav-${page}`);
  await win().waitUntil(async () => win().execute(() => !document.querySelector('main [aria-busy="true"], main .tp-skeleton')), { timeout: 15000 });
  if (page === "chat") {
    await click("composer");
    for (const c of "hello there") await win().keys(c);
    await win().keys("Enter");
    await win().waitUntil(async () => /echo: hello/.test(await win().execute(() => document.body.textContent)), { timeout: 15000 });
  }
  report(page);
}
const t0 = Date.now();
await win().waitUntil(async () => Date.now() - t0 > 20000, { timeout: 30000, interval: 1000 });
report("idle 20 s");
await stopDriver();
fake.kill();
