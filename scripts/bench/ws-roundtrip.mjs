// sessions.list and health round trips over one socket with a plain Node WebSocket client (the
// `ws` package OpenClaw's own client uses), OpenClaw's frames: connect, then N requests each.
import { createRequire } from "node:module";
const require = createRequire(process.env.OC_DIR + "/node_modules/openclaw/package.json");
const WebSocket = require("ws");
const [url, token, n] = [process.argv[2], process.argv[3], Number(process.argv[4] || 5000)];
const ws = new WebSocket(url);
let id = 0; const waiting = new Map();
ws.on("message", (d) => { const f = JSON.parse(d); if (f.type === "res" && waiting.has(f.id)) { waiting.get(f.id)(f); waiting.delete(f.id); } });
const call = (method, params) => new Promise((r) => { const i = String(++id); waiting.set(i, r); ws.send(JSON.stringify({ type: "req", id: i, method, params })); });
await new Promise((r) => ws.once("open", r));
const hello = await call("connect", { minProtocol: 4, maxProtocol: 4, client: { id: "cli", version: "bench", platform: "linux", mode: "cli" }, role: "operator", scopes: ["operator.read"], auth: { token } });
if (!hello.ok) { console.error(JSON.stringify(hello)); process.exit(1); }
for (const m of ["health", "sessions.list"]) {
  for (let i = 0; i < 500; i++) await call(m, {});
  const t = [];
  for (let i = 0; i < n; i++) { const s = process.hrtime.bigint(); await call(m, {}); t.push(Number(process.hrtime.bigint() - s) / 1e6); }
  t.sort((a, b) => a - b);
  console.log(`${m}: n=${n} p50=${t[Math.floor(n * 0.5)].toFixed(3)} ms p99=${t[Math.floor(n * 0.99)].toFixed(3)} ms`);
}
ws.close();
