import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HostEntry, Job } from "../../bindings";
import { defined } from "../../shared/test/dom";
import { Toaster } from "../../shared/ui/Toast";
import { Hosts } from "./Page";
import { resetHostsStore } from "./store";

const KEY = { algorithm: "ssh-ed25519", key: "AAAA", fingerprint: "SHA256:MMwkwjVP/7yZM/VB6zl1P3Jt1kvfBSnGqbspCUVB3G8" };
const SPEC = { host: "203.0.113.7", user: "me", port: 2222 };
const host = (over: Partial<HostEntry> = {}): HostEntry => ({
  id: "h1",
  name: "Home server",
  spec: SPEC,
  keyFile: null,
  fingerprint: KEY.fingerprint,
  addedAtMs: Date.now() - 60_000,
  probedAtMs: Date.now() - 60_000,
  facts: {
    os: "Linux",
    arch: "x86_64",
    libc: "glibc 2.36",
    target: "x86_64-unknown-linux-gnu",
    uid: 1000,
    home: "/home/me",
    diskFreeBytes: 20_000_000_000,
    serviceManager: { kind: "systemd", linger: true },
    tidepool: null,
    tidepoolPath: null,
    openclaw: null,
  },
  ...over,
});
const job = (over: Partial<Job> = {}): Job => ({
  id: "j1",
  kind: "host.install",
  target: "Home server",
  state: { kind: "running" },
  steps: [
    { name: "Check the host", state: "done", detail: "Linux x86_64 (glibc 2.36), no Tidepool yet" },
    { name: "Upload Tidepool", state: "running", detail: null },
    { name: "Verify the upload", state: "pending", detail: null },
  ],
  progress: 0.4,
  log: [],
  startedAtMs: Date.now(),
  endedAtMs: null,
  ...over,
});

const status = (running: boolean, over: Record<string, unknown> = {}) => ({
  cli: { version: "0.1.0", entrypoint: "/home/me/.local/bin/tidepool" },
  service: { manager: "plain", label: "tidepool-gateway", scope: "user", installed: true, file: null, active: running, pid: running ? 42 : null, runtime: { status: running ? "running" : "stopped", detail: null }, binary: "/home/me/.local/bin/tidepool" },
  config: { path: "/home/me/.tidepool/tidepool.json", exists: false, valid: true, errors: [] },
  gateway: { bindMode: "loopback", port: 18789, probeUrl: "ws://127.0.0.1:18789", version: running ? "0.1.0" : null },
  port: { port: 18789, status: running ? "busy" : "free" },
  rpc: { ok: running, url: "ws://127.0.0.1:18789", latencyMs: running ? 3 : null, error: running ? null : "cannot reach", server: running ? { version: "0.1.0", pid: 42, port: 18789, uptimeMs: 1000 } : null },
  version: { binary: "0.1.0", running: running ? "0.1.0" : null, match: running ? true : null },
  lastError: null,
  logDir: "/home/me/.tidepool/logs",
  stateDir: "/home/me/.tidepool",
  ...over,
});

type Calls = { cmd: string; args: Record<string, unknown> }[];

function setup(handlers: Record<string, (args: Record<string, unknown>) => unknown>) {
  const calls: Calls = [];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      if (cmd in handlers) return handlers[cmd](a);
      if (cmd === "jobs_list") return [];
      if (cmd === "hosts_list") return [];
    },
    { shouldMockEvents: true },
  );
  render(() => (
    <>
      <Hosts />
      <Toaster />
    </>
  ));
  return calls;
}

describe("Hosts", () => {
  beforeEach(() => resetHostsStore());
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("adds a host only after showing its fingerprint, then lists it", async () => {
    let added = false;
    const calls = setup({
      hosts_check: () => ({ spec: SPEC, trust: { kind: "unknown", offered: KEY }, key: KEY }),
      hosts_add: () => {
        added = true;
        return host();
      },
    });
    expect(await screen.findByTestId("hosts-empty")).toBeTruthy();
    fireEvent.click(screen.getByTestId("add-host"));
    fireEvent.input(await screen.findByTestId("host-address"), { target: { value: "me@203.0.113.7:2222" } });
    fireEvent.input(screen.getByTestId("host-name"), { target: { value: "Home server" } });
    fireEvent.click(screen.getByTestId("host-check"));
    expect((await screen.findByTestId("host-fingerprint")).textContent).toBe(KEY.fingerprint);
    expect(added).toBe(false);
    fireEvent.click(screen.getByTestId("host-trust"));
    await waitFor(() => expect(added).toBe(true));
    const add = calls.find((c) => c.cmd === "hosts_add");
    expect(add?.args).toEqual({ address: "me@203.0.113.7:2222", name: "Home server", keyFile: null, fingerprint: KEY.fingerprint });
    const row = await screen.findByTestId("host-row");
    expect(row.textContent).toContain("Home server");
    expect(row.textContent).toContain("me@203.0.113.7:2222");
    expect(row.textContent).toContain("not installed");
    expect(screen.getByTestId("host-facts").textContent).toContain("systemd (runs without a login)");
    expect(await screen.findByText("Added Home server")).toBeTruthy();
  });

  it("signs in with a password typed once: it goes to Rust with the fingerprint shown, and is not kept", async () => {
    let fail = true;
    const calls = setup({
      hosts_check: () => ({ spec: SPEC, trust: { kind: "unknown", offered: KEY }, key: KEY }),
      hosts_add_with_password: () => {
        if (fail) throw { kind: "unauthorized", message: "203.0.113.7 refused the login for me: the password was not accepted. Check the user name, and that your key (or agent) is allowed there" };
        return host();
      },
    });
    fireEvent.click(await screen.findByTestId("add-host"));
    fireEvent.input(await screen.findByTestId("host-address"), { target: { value: "me@203.0.113.7:2222" } });
    fireEvent.click(screen.getByTestId("host-use-password"));
    expect(screen.queryByTestId("host-key")).toBeNull();
    const field = screen.getByTestId("host-password") as HTMLInputElement;
    expect(field.type).toBe("password");
    fireEvent.input(field, { target: { value: "hunter2" } });
    fireEvent.click(screen.getByTestId("host-check"));
    await screen.findByTestId("host-fingerprint");
    fireEvent.click(screen.getByTestId("host-trust"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "hosts_add_with_password")).toBe(true));
    expect(calls.find((c) => c.cmd === "hosts_add_with_password")?.args).toEqual({ address: "me@203.0.113.7:2222", name: null, password: "hunter2", fingerprint: KEY.fingerprint });
    expect(calls.some((c) => c.cmd === "hosts_add")).toBe(false);
    expect(await screen.findByText(/password was not accepted/)).toBeTruthy();
    // Back to the form: the password must be typed again, it was not kept.
    fail = false;
    fireEvent.click(screen.getByText("Back"));
    expect(((await screen.findByTestId("host-password")) as HTMLInputElement).value).toBe("");
  });

  it("offers the hosts of ~/.ssh/config, as ssh resolves them, to pick from", async () => {
    const calls = setup({
      hosts_from_ssh_config: () => [
        { alias: "vps", hostname: "203.0.113.7", user: "deploy", port: 2222, proxyJump: null },
        { alias: "build", hostname: "build.example.com", user: "ci", port: 22, proxyJump: "bastion" },
      ],
      hosts_check: () => ({ spec: { host: "vps", user: null, port: null }, trust: { kind: "unknown", offered: KEY }, key: KEY }),
    });
    fireEvent.click(await screen.findByTestId("add-host"));
    const chips = await screen.findAllByTestId("ssh-config-host");
    expect(chips.map((c) => c.textContent)).toEqual(["vps deploy@203.0.113.7:2222", "build ci@build.example.com via bastion"]);
    fireEvent.click(chips[0]);
    expect((screen.getByTestId("host-address") as HTMLInputElement).value).toBe("vps");
    expect((screen.getByTestId("host-name") as HTMLInputElement).value).toBe("vps");
    fireEvent.click(screen.getByTestId("host-check"));
    await screen.findByTestId("host-fingerprint");
    expect(calls.find((c) => c.cmd === "hosts_check")?.args).toEqual({ address: "vps" });
  });

  it("refuses a changed key without an override, and says why a check failed", async () => {
    let changed = true;
    setup({
      hosts_check: () => {
        if (changed) return { spec: SPEC, trust: { kind: "changed", offered: KEY, recorded: ["SHA256:old"] }, key: KEY };
        throw { kind: "invalidInput", message: "`-oProxyCommand=id` is not a host name or address" };
      },
    });
    fireEvent.click(await screen.findByTestId("add-host"));
    fireEvent.input(await screen.findByTestId("host-address"), { target: { value: "me@203.0.113.7:2222" } });
    fireEvent.click(screen.getByTestId("host-check"));
    expect((await screen.findByTestId("host-key-changed")).textContent).toContain("intercepting");
    expect(screen.queryByTestId("host-trust")).toBeNull();
    changed = false;
    fireEvent.click(screen.getByText("Back"));
    fireEvent.input(await screen.findByTestId("host-address"), { target: { value: "-oProxyCommand=id" } });
    fireEvent.click(screen.getByTestId("host-check"));
    const err = await screen.findByTestId("host-error");
    expect(err.textContent).toContain("Tidepool could not check that host");
    expect(err.textContent).toContain("not a host name or address");
  });

  it("installs as a job whose steps and progress follow its events, and can cancel it", async () => {
    const calls = setup({
      hosts_list: () => [host()],
      hosts_install: () => "j1",
      jobs_list: () => (calls.some((c) => c.cmd === "hosts_install") ? [job()] : []),
      jobs_cancel: () => null,
    });
    fireEvent.click(await screen.findByTestId("host-install"));
    const view = await screen.findByTestId("job");
    expect(within(view).getAllByTestId("job-step").map((s) => s.dataset.state)).toEqual(["done", "running", "pending"]);
    expect(within(view).getByRole("progressbar").getAttribute("aria-valuenow")).toBe("40");
    expect((screen.getByTestId("host-install") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(within(view).getByTestId("job-cancel"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "jobs_cancel" && c.args.id === "j1")).toBe(true));
    await emit("job-changed", job({ state: { kind: "failed", reason: "the upload broke off: connection reset" }, steps: job().steps.map((s, i) => (i === 1 ? { ...s, state: "failed", detail: "connection reset" } : s)) }));
    expect((await screen.findByTestId("job-outcome")).textContent).toContain("the upload broke off");
    expect(screen.getByTestId("job").dataset.state).toBe("failed");
    expect(screen.queryByTestId("job-cancel")).toBeNull();
  });

  it("reads the host again when an install finishes, so the list shows the version it runs", async () => {
    const facts = defined(host().facts);
    const installed = host({ facts: { ...facts, tidepool: { version: "0.1.0", target: "x86_64-unknown-linux-gnu" } } });
    const calls = setup({ hosts_list: () => [host()], hosts_probe: () => installed });
    expect((await screen.findByTestId("host-row")).textContent).toContain("not installed");
    await emit("job-changed", job());
    expect(calls.some((c) => c.cmd === "hosts_probe")).toBe(false);
    await emit("job-changed", job({ state: { kind: "succeeded", summary: "Tidepool 0.1.0 runs on me@203.0.113.7:2222 as a systemd service (port 18789)" }, progress: 1 }));
    await waitFor(() => expect(screen.getByTestId("host-row").textContent).toContain("v0.1.0"));
    expect(screen.getByTestId("host-install").textContent).toContain("Upgrade Tidepool");
  });

  it("shows the host's gateway and starts, stops and restarts it through its service", async () => {
    let running = true;
    const installed = host({ installed: { binary: "/home/me/.local/bin/tidepool", stateDir: null } });
    const calls = setup({
      hosts_list: () => [installed],
      hosts_gateway: (a) => {
        if (a.action === "stop") running = false;
        if (a.action === "start") {
          throw { kind: "gateway", message: "Home server: the config /home/me/.tidepool/tidepool.json is not valid: at `gateway.port`" };
        }
        return status(running, running ? {} : { lastError: "stopped by you" });
      },
    });
    const card = await screen.findByTestId("host-gateway");
    await waitFor(() => expect(card.dataset.running).toBe("yes"));
    expect(screen.getByTestId("host-gateway-line").textContent).toBe("v0.1.0 · port 18789 · plain service · pid 42");
    fireEvent.click(screen.getByTestId("host-gateway-stop"));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog.textContent).toContain("Stop the gateway on Home server?");
    expect(calls.some((c) => c.args.action === "stop")).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Stop" }));
    await waitFor(() => expect(card.dataset.running).toBe("no"));
    expect(screen.getByTestId("host-gateway-last-error").textContent).toBe("stopped by you");
    fireEvent.click(screen.getByTestId("host-gateway-start"));
    const err = await screen.findByTestId("host-gateway-error");
    expect(err.textContent).toContain("The gateway on Home server did not answer");
    expect(err.textContent).toContain("gateway.port");
    expect(calls.filter((c) => c.cmd === "hosts_gateway").map((c) => c.args.action)).toEqual(["status", "stop", "start"]);
  });

  it("removes a host after confirming with its name", async () => {
    const calls = setup({ hosts_list: () => [host()], hosts_remove: () => null });
    fireEvent.click(await screen.findByTestId("host-remove"));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog.textContent).toContain("Remove Home server?");
    fireEvent.click(within(dialog).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "hosts_remove" && c.args.id === "h1")).toBe(true));
    expect(await screen.findByTestId("hosts-empty")).toBeTruthy();
  });
});
