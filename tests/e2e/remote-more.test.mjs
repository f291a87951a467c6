// More of "connect to a gateway elsewhere", with the ways there that need care:
// - plain ws:// to another host (a network namespace this test makes plays it, with its own
//   address): the check warns that the token and conversations can be read on the way, and
//   Connect stays off until the user says the network is private (a new edit takes that back);
// - wss:// through a TLS endpoint (a small Node TLS server in front of a real gateway) whose
//   certificate comes from a test CA: refused with the reason while this computer does not
//   trust it (nothing reaches the gateway, so the token never leaves), and connected,
//   encrypted, once the CA is trusted (SSL_CERT_FILE for the app).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { FAKE_PROVIDER, SIDECAR, startFakeProvider } from "./common.mjs";
import { click, el, fill, freshHome, openApp, shot, startDriver, stopDriver, text, typeText, until, win } from "./session.mjs";

const TOKEN = "e2e-remote-more-token-93c1d7aa0b5e";
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "tidepool-e2e-remote-more-"));

// The other host: a network namespace with one address, linked to this one by a veth pair.
const N = process.pid % 200;
const NS = `tpe2e${process.pid}`;
const VETH = [`tpv${process.pid}a`, `tpv${process.pid}b`];
const HERE = `10.213.${N}.1`;
const THERE = `10.213.${N}.2`;

const procs = [];
let netns = false;
let tlsServer;

const exists = (testid) => win().execute((id) => !!document.querySelector(`[data-testid="${id}"]`), testid);
const headerState = () => text("header-state");
const disabled = (testid) => win().execute((id) => document.querySelector(`[data-testid="${id}"]`)?.disabled ?? null, testid);

/** Starts `cmd` (inside the namespace when `inNs`); resolves with the process and the port from
 *  its first stdout line (`{"port":N}`). */
function startWithPort(cmd, args, env, inNs = false) {
  const [file, argv] = inNs ? ["ip", ["netns", "exec", NS, cmd, ...args]] : [cmd, args];
  const proc = spawn(file, argv, { env, stdio: ["pipe", "pipe", "inherit"] });
  procs.push(proc);
  return new Promise((resolve, reject) => {
    let buf = "";
    proc.stdout.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0 && !proc.ready) {
        proc.ready = true;
        resolve({ proc, port: JSON.parse(buf.slice(0, nl)).port });
      }
    });
    proc.on("exit", (code) => reject(new Error(`${path.basename(cmd)} exited with ${code}`)));
  });
}

/** A far gateway in `stateDir` that talks to the fake provider at `providerPort`. */
async function startFarGateway(name, providerPort, { bind = "loopback", inNs = false } = {}) {
  const stateDir = path.join(TMP, name);
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(
    path.join(stateDir, "tidepool.json"),
    `{\n  agents: { defaults: { model: "fake/fake-model" } },\n  models: { providers: { fake: { baseUrl: "http://127.0.0.1:${providerPort}/v1", api: "openai-completions" } } },\n}\n`,
  );
  return startWithPort(SIDECAR, ["gateway", "run", "--port", "0", "--bind", bind, "--state-dir", stateDir], {
    ...process.env,
    TIDEPOOL_GATEWAY_TOKEN: TOKEN,
    TIDEPOOL_STATE_DIR: stateDir,
    NO_COLOR: "1",
  }, inNs);
}

/** A fresh HOME whose settings only move this computer's gateway (started while the wizard
 *  is open) to any free port: the default one may be taken by another run. */
function appHome(extraEnv) {
  const h = freshHome(extraEnv);
  const store = path.join(h.env.XDG_DATA_HOME, "ai.tidepool.desktop");
  fs.mkdirSync(store, { recursive: true });
  fs.writeFileSync(path.join(store, "settings.json"), JSON.stringify({ settings: { theme: "light", startOnLaunch: true, closeToTray: true, port: 0 } }));
  return h;
}

const ip = (...args) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

before(() => {
  // The test CA and the gateway's certificate (for localhost and 127.0.0.1), signed by it.
  const ssl = (...args) => execFileSync("openssl", args, { cwd: TMP, stdio: ["ignore", "ignore", "pipe"] });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Tidepool e2e test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "gw.key", "-out", "gw.csr", "-subj", "/CN=localhost");
  fs.writeFileSync(path.join(TMP, "gw.ext"), "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n");
  ssl("x509", "-req", "-in", "gw.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "gw.pem", "-days", "2", "-extfile", "gw.ext");
});

after(async () => {
  await stopDriver();
  tlsServer?.close();
  for (const p of procs) {
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((r) => p.once("exit", r));
      p.kill("SIGKILL");
      await gone;
    }
  }
  if (netns) {
    try {
      ip("link", "del", VETH[0]);
    } catch {}
    try {
      ip("netns", "del", NS);
    } catch {}
  }
  fs.rmSync(TMP, { recursive: true, force: true });
});

/** Welcome → "Connect to a gateway elsewhere" → the address and token, checked. */
async function checkRemote(url) {
  await click("welcome-remote");
  await click("welcome-next");
  await el("step-remote");
  await fill("remote-url", url);
  await fill("remote-token", TOKEN);
  await click("remote-check");
  await until("the check never finished", async () => (await exists("remote-ok")) || (await exists("remote-problem")) || (await exists("remote-plain")), 20000);
}

test("plain ws:// to another host: warned that it can be read on the way; Connect only after the user says the network is private", async () => {
  // The other host, with its own provider fake and gateway, listening on its own address.
  ip("netns", "add", NS);
  netns = true;
  ip("link", "add", VETH[0], "type", "veth", "peer", "name", VETH[1]);
  ip("link", "set", VETH[1], "netns", NS);
  ip("addr", "add", `${HERE}/24`, "dev", VETH[0]);
  ip("link", "set", VETH[0], "up");
  ip("netns", "exec", NS, "ip", "addr", "add", `${THERE}/24`, "dev", VETH[1]);
  ip("netns", "exec", NS, "ip", "link", "set", VETH[1], "up");
  ip("netns", "exec", NS, "ip", "link", "set", "lo", "up");
  const { port: providerPort } = await startWithPort(FAKE_PROVIDER, [], process.env, true);
  const far = await startFarGateway("plain", providerPort, { bind: THERE, inNs: true });
  const url = `ws://${THERE}:${far.port}`;

  await stopDriver();
  const { env } = appHome();
  await startDriver(env);
  await openApp();
  await checkRemote(url);

  // Before the user agrees nothing is sent (the handshake would carry the token): a warning
  // and the question, no check made.
  const warn = await el("remote-plain");
  const said = await warn.getText();
  assert.match(said, /Not encrypted\. Nothing has been sent yet\./, said);
  assert.match(said, /anyone on the network between here and there can read them, unless a VPN such as Tailscale carries them/, said);
  assert.match(said, /Prefer wss:\/\/ or an SSH tunnel\./, said);
  assert.match(said, /This network is private \(a VPN or my own LAN\); check and connect anyway\./, said);
  assert.equal(await exists("remote-ok"), false, "a check was made before the consent");
  const consent = await el("remote-accept-plain");
  assert.equal(await consent.isSelected(), false, "the consent is given for the user");
  assert.equal(await disabled("remote-connect"), true, "Connect is on before the user agreed");
  await shot("remote-more-plain-warning");

  // Enter (the form's default action) asks again rather than connecting.
  await (await el("remote-token")).click();
  await win().keys("Enter");
  await until("Enter did not ask again", async () => (await exists("remote-plain")) && (await disabled("remote-check")) === false, 20000);
  assert.equal(await exists("step-remote"), true, "Enter connected without the consent");
  assert.equal(await disabled("remote-connect"), true);

  // Ticked: the check runs and the gateway answers; then the address edited: the check and
  // the consent are gone; both again.
  await consent.click();
  const ok = await el("remote-ok");
  assert.equal(await ok.getAttribute("data-transport"), "plain");
  await until("the tick did not enable Connect", async () => (await disabled("remote-connect")) === false);
  await fill("remote-url", `${url} `);
  await until("an edit left the old check standing", async () => !(await exists("remote-ok")));
  assert.equal(await disabled("remote-connect"), true, "Connect stayed on after an edit");
  await click("remote-check");
  await el("remote-plain");
  assert.equal(await (await el("remote-accept-plain")).isSelected(), false, "the consent survived the edit");
  assert.equal(await disabled("remote-connect"), true);

  await click("remote-accept-plain");
  await el("remote-ok");
  await until("the tick did not enable Connect", async () => (await disabled("remote-connect")) === false);
  await shot("remote-more-plain-consented");
  await click("remote-connect");
  await el("nav-dashboard");
  await until("the header never said Connected", async () => (await headerState()).includes("Connected"), 30000);
  assert.equal(await text("header-gateway"), `Gateway at ${THERE}:${far.port}`);

  // It works through there: a reply from the other host's provider.
  await click("nav-chat");
  await click("composer");
  await typeText("hello over the LAN");
  await win().keys("Enter");
  await until("no reply through the plain connection", async () => /echo: hello over the LAN/.test(await text("messages")), 30000);
  await shot("remote-more-plain-chat");
  await stopDriver();
});

/** A TLS endpoint on 127.0.0.1 in front of the gateway at `target` (raw bytes both ways);
 *  counts the connections it handed on. */
function startTlsProxy(target) {
  const seen = { handshakes: 0, forwarded: 0, refused: [] };
  const server = tls.createServer(
    { key: fs.readFileSync(path.join(TMP, "gw.key")), cert: fs.readFileSync(path.join(TMP, "gw.pem")) },
    (client) => {
      seen.forwarded += 1;
      const up = net.connect(target, "127.0.0.1");
      client.pipe(up).pipe(client);
      const end = () => {
        client.destroy();
        up.destroy();
      };
      client.on("error", end).on("close", end);
      up.on("error", end).on("close", end);
    },
  );
  server.on("tlsClientError", (e) => seen.refused.push(e.message));
  server.on("connection", () => (seen.handshakes += 1));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: server.address().port, seen })));
}

let wss;

test("wss:// with a certificate this computer does not trust: refused with the reason; the token never reaches the gateway", async () => {
  const { port: providerPort } = await startWithPort(FAKE_PROVIDER, [], process.env);
  const far = await startFarGateway("tls", providerPort);
  wss = await startTlsProxy(far.port);
  tlsServer = wss.server;
  const url = `wss://localhost:${wss.port}`;

  await stopDriver();
  const { env } = appHome();
  await startDriver(env);
  await openApp();
  await checkRemote(url);

  const problem = await el("remote-problem");
  const said = await problem.getText();
  assert.match(said, /Tidepool could not connect/, said);
  assert.match(said, new RegExp(`cannot trust the gateway at wss://localhost:${wss.port}: its certificate was issued by an authority this computer does not trust`), said);
  assert.match(said, /A self-signed certificate must be added to this computer's trusted certificates, or reach the gateway through an SSH tunnel/, said);
  assert.match(said, /The certificate is not trusted by this computer: use a certificate from a public authority, or an SSH tunnel\./, said);
  assert.equal(await exists("remote-ok"), false);
  assert.equal(await disabled("remote-connect"), true, "Connect is on after a refused certificate");
  // The cursor is on the address, the field to change.
  assert.equal(await win().execute(() => document.activeElement?.getAttribute("data-testid")), "remote-url");
  assert.equal(await (await el("remote-url")).getAttribute("aria-invalid"), "true");
  // The handshake stopped at the certificate: nothing was handed to the gateway.
  assert.ok(wss.seen.handshakes >= 1, "the app never reached the TLS endpoint");
  assert.equal(wss.seen.forwarded, 0, "a connection passed the TLS handshake");
  assert.ok(wss.seen.refused.some((m) => /unknown ca|certificate/i.test(m)), JSON.stringify(wss.seen.refused));
  await shot("remote-more-wss-untrusted");
  await stopDriver();
});

test("wss:// once this computer trusts the certificate's CA: encrypted, connected, chat works", async () => {
  assert.ok(wss, "the TLS endpoint of the previous test is not running");
  const url = `wss://localhost:${wss.port}`;
  const { env } = appHome({ SSL_CERT_FILE: path.join(TMP, "ca.pem") });
  await startDriver(env);
  await openApp();
  await checkRemote(url);

  const ok = await el("remote-ok");
  assert.equal(await ok.getAttribute("data-transport"), "encrypted");
  const said = await ok.getText();
  assert.match(said, /A gateway answers there and accepts the token: version \S+ \(protocol \d+\)\./, said);
  assert.match(said, /Encrypted \(wss:\/\/\), with the certificate checked by your system\./, said);
  assert.equal(await exists("remote-accept-plain"), false, "an encrypted connection asks for consent");
  assert.equal(await disabled("remote-connect"), false);
  await shot("remote-more-wss-trusted");
  await click("remote-connect");
  await el("nav-dashboard");
  await until("the header never said Connected", async () => (await headerState()).includes("Connected"), 30000);
  assert.equal(await text("header-gateway"), `Gateway at localhost:${wss.port}`);
  await click("nav-dashboard");
  await until("the dashboard does not say the far end is encrypted", async () => /another machine \(encrypted\)/.test(await text("card-pid")));
  await click("nav-chat");
  await click("composer");
  await typeText("hello over TLS");
  await win().keys("Enter");
  await until("no reply through the TLS endpoint", async () => /echo: hello over TLS/.test(await text("messages")), 30000);
  assert.ok(wss.seen.forwarded >= 1, "the app did not go through the TLS endpoint");
  await shot("remote-more-wss-chat");
  await stopDriver();
});
