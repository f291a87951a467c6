// What the end-to-end test files share: where the binaries are, the provider fake, and waiting
// for a port.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export const ROOT = path.resolve(new URL("../..", import.meta.url).pathname);
const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, "target");
export const APP = process.env.TIDEPOOL_APP ?? path.join(TARGET, "debug/tidepool-desktop");
/** The gateway the app runs (TIDEPOOL_SIDECAR_BIN: the release one, for the release app). */
export const SIDECAR = process.env.TIDEPOOL_SIDECAR_BIN ?? path.join(TARGET, "debug/tidepool");
export const FAKE_PROVIDER = path.join(TARGET, "debug/fake-provider");
export const ARTIFACTS = path.join(ROOT, "tests/e2e/artifacts");
fs.mkdirSync(ARTIFACTS, { recursive: true });

/** Starts the provider fake (OpenAI wire format; `[[tool:NAME {args}]]` in a message makes it
 * call a tool); resolves with the process and its port. */
export function startFakeProvider(env = process.env) {
  const proc = spawn(FAKE_PROVIDER, [], { stdio: ["pipe", "pipe", "inherit"], env });
  return new Promise((resolve, reject) => {
    let buf = "";
    proc.stdout.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve({ proc, port: JSON.parse(buf.slice(0, nl)).port });
    });
    proc.on("exit", (code) => reject(new Error(`fake-provider exited with ${code}`)));
  });
}

/** A port nothing listens on right now (so parallel runs never share tauri-driver's ports). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** tauri-driver on free ports (its own and WebKitWebDriver's); resolves with the process and
 * the port to open sessions on. `detached` puts it in its own process group. */
export async function spawnDriver(env, detached = false) {
  const port = await freePort();
  const native = await freePort();
  const proc = spawn("tauri-driver", ["--port", String(port), "--native-port", String(native)], {
    env,
    stdio: ["ignore", "inherit", "inherit"],
    detached,
  });
  // tauri-driver forwards each request to WebKitWebDriver, which it starts at once but which
  // takes a moment to listen: a session asked for before then fails with "connection refused".
  await waitPort(port);
  await waitPort(native);
  return { proc, port };
}

/** Resolves once something accepts connections on `port`. */
export function waitPort(port, ms = 20000) {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = () =>
      net
        .connect(port, "127.0.0.1")
        .on("connect", function () {
          this.end();
          resolve();
        })
        .on("error", () => (Date.now() - t0 > ms ? reject(new Error(`nothing listens on ${port}`)) : setTimeout(attempt, 100)));
    attempt();
  });
}
