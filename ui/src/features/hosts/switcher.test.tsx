import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import userEvent from "@testing-library/user-event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HostEntry } from "../../bindings";
import { resetGatewayStore, setStatus, status } from "../../shared/lib/gateway";
import { hostRunning, running } from "../../shared/test/fixtures";
import { Header } from "../../shared/ui/Header";
import { Toaster } from "../../shared/ui/Toast";
import { HostGateway } from "./Gateway";
import { loadHosts, resetHostsStore } from "./store";

const facts = (tidepoolPath: string | null) => ({
  os: "Linux",
  arch: "x86_64",
  libc: "glibc 2.36",
  target: "x86_64-unknown-linux-gnu",
  uid: 1000,
  home: "/home/me",
  diskFreeBytes: 1e10,
  serviceManager: { kind: "none" as const },
  tidepool: tidepoolPath ? { version: "0.1.0", target: "x86_64-unknown-linux-gnu" } : null,
  tidepoolPath,
  openclaw: null,
});
const host = (id: string, name: string, tidepoolPath: string | null): HostEntry => ({
  id,
  name,
  spec: { host: `${id}.example.com`, user: "me", port: null },
  keyFile: null,
  fingerprint: "SHA256:x",
  addedAtMs: 0,
  probedAtMs: 0,
  facts: facts(tidepoolPath),
  installed: null,
});
const HOSTS = [host("h1", "Home server", "/home/me/.local/bin/tidepool"), host("h2", "Bare box", null)];

function setup(onUse: (id: string) => unknown) {
  const calls: string[] = [];
  mockIPC(
    (cmd, args) => {
      calls.push(cmd);
      if (cmd === "hosts_list") return HOSTS;
      if (cmd === "hosts_use") return onUse((args as { id: string }).id);
      if (cmd === "remote_forget") return running;
      if (cmd === "hosts_gateway") return { rpc: { ok: true, server: { version: "0.1.0" } }, gateway: { port: 18789 }, service: { installed: true, manager: "plain", pid: 7 }, lastError: null };
    },
    { shouldMockEvents: true },
  );
  return calls;
}

describe("the gateway switcher", () => {
  beforeEach(() => {
    resetHostsStore();
    resetGatewayStore();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("lists this computer and the hosts with Tidepool, and switches to a host through its tunnel", async () => {
    const user = userEvent.setup();
    setup(() => hostRunning);
    setStatus(running);
    await loadHosts();
    render(() => (
      <>
        <Header title="Dashboard" />
        <Toaster />
      </>
    ));
    const trigger = await screen.findByTestId("gateway-switcher");
    expect(trigger.textContent).toContain("This computer");
    trigger.focus();
    await user.keyboard("{ArrowDown}");
    const list = await screen.findByRole("listbox");
    const names = [...list.querySelectorAll("[role=option]")].map((o) => o.textContent);
    expect(names).toEqual(["This computer", "Home serverme@h1.example.com"]);
    await user.keyboard("{ArrowDown}{Enter}");
    expect((await screen.findByTestId("switch-done")).textContent).toContain("Using the gateway on Home server");
    expect(status()?.host?.name).toBe("Home server");
    await waitFor(() => expect(screen.getByTestId("gateway-switcher").textContent).toContain("Home server"));
    // The header's buttons speak of a connection, not of a process here.
    expect(screen.getByTestId("header-stop").textContent).toContain("Disconnect");
  });

  it("says why a host cannot be used and leaves the gateway in use as it was", async () => {
    const user = userEvent.setup();
    setup(() => {
      throw { kind: "notConnected", message: "Home server: the gateway on me@h1.example.com is not running: start it from the Hosts page" };
    });
    setStatus(running);
    await loadHosts();
    render(() => (
      <>
        <Header title="Dashboard" />
        <Toaster />
      </>
    ));
    const trigger = await screen.findByTestId("gateway-switcher");
    trigger.focus();
    await user.keyboard("{ArrowDown}");
    await screen.findByRole("listbox");
    await user.keyboard("{ArrowDown}{Enter}");
    const failed = await screen.findByTestId("switch-failed");
    expect(failed.textContent).toContain("Cannot use the gateway on Home server");
    expect(failed.textContent).toContain("not running");
    expect(status()).toEqual(running);
    expect(screen.getByTestId("gateway-switcher").textContent).toContain("This computer");
  });

  it("has no switcher while no host has Tidepool", async () => {
    mockIPC((cmd) => (cmd === "hosts_list" ? [HOSTS[1]] : undefined), { shouldMockEvents: true });
    setStatus(running);
    await loadHosts();
    render(() => <Header title="Dashboard" />);
    expect(screen.queryByTestId("gateway-switcher")).toBeNull();
    expect(screen.getByTestId("header-gateway").textContent).toBe("Gateway");
  });

  it("uses a host's gateway from its panel, then says it is in use", async () => {
    let used = "";
    setup((id) => {
      used = id;
      return hostRunning;
    });
    setStatus(running);
    await loadHosts();
    render(() => (
      <>
        <HostGateway host={HOSTS[0]} />
        <Toaster />
      </>
    ));
    fireEvent.click(await screen.findByTestId("host-gateway-use"));
    await screen.findByTestId("host-gateway-in-use");
    expect(used).toBe("h1");
    expect(screen.queryByTestId("host-gateway-use")).toBeNull();
  });
});
