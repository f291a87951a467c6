import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initGateway, resetGatewayStore } from "../lib/gateway";
import { Header } from "../components/Header";
import { Dashboard } from "../pages/Dashboard";
import { crashed, running, stopped } from "./fixtures";

type Handler = (cmd: string, args?: unknown) => unknown;

function setup(handler: Handler) {
  const calls: string[] = [];
  mockIPC(
    (cmd, args) => {
      calls.push(cmd);
      if (cmd === "gateway_metrics") return [];
      return handler(cmd, args);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

function view() {
  return render(() => (
    <>
      <Header title="Dashboard" />
      <Dashboard />
    </>
  ));
}

describe("Dashboard", () => {
  beforeEach(() => resetGatewayStore());
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("shows skeletons while the status loads", async () => {
    setup(() => new Promise(() => {}));
    view();
    void initGateway();
    expect(await screen.findByLabelText("Loading")).toBeTruthy();
    expect(screen.getByTestId("header-state").textContent).toContain("Loading");
  });

  it("offers Start when stopped, shows progress, then the running figures", async () => {
    let release!: () => void;
    const calls = setup((cmd) => {
      if (cmd === "gateway_status") return stopped;
      if (cmd === "gateway_start") return new Promise((r) => (release = () => r(running)));
    });
    view();
    await initGateway();
    const start = await screen.findByText("Start gateway");
    fireEvent.click(start);
    await waitFor(() => expect(calls).toContain("gateway_start"));
    // Both Start buttons are disabled while starting.
    const buttons = screen.getAllByRole("button").filter((b) => b.getAttribute("aria-busy") === "true");
    expect(buttons.length).toBeGreaterThan(0);
    release();
    expect(await screen.findByTestId("running")).toBeTruthy();
    expect(screen.getByTestId("card-pid").textContent).toContain("pid 4242");
    expect(screen.getByTestId("card-address").textContent).toContain("127.0.0.1:18789");
    expect(screen.getByTestId("card-uptime").textContent).toMatch(/1m \ds/);
    expect(screen.getByTestId("card-restarts").textContent).toContain("1");
    expect(screen.getByTestId("header-state").dataset.state).toBe("running");
  });

  it("explains a crash and lets the user start again", async () => {
    setup((cmd) => (cmd === "gateway_status" ? crashed : undefined));
    view();
    await initGateway();
    const box = await screen.findByTestId("crashed");
    expect(box.textContent).toContain("at `gateway.port`: invalid type");
    expect(box.textContent).toContain("Start again");
    expect(screen.getByTestId("header-state").textContent).toContain("Crashed");
  });

  it("shows the error of a failed start in words", async () => {
    setup((cmd) => {
      if (cmd === "gateway_status") return stopped;
      if (cmd === "gateway_start") throw { kind: "gateway", message: "port 18789 is already in use by another program" };
    });
    view();
    await initGateway();
    fireEvent.click(await screen.findByText("Start gateway"));
    const alert = await screen.findByTestId("action-error");
    expect(alert.textContent).toContain("port 18789 is already in use");
  });

  it("follows status events", async () => {
    setup((cmd) => (cmd === "gateway_status" ? stopped : undefined));
    view();
    await initGateway();
    await screen.findByTestId("stopped");
    await emit("gateway-status-changed", { ...stopped, state: { kind: "restarting", retryInMs: 2000 }, lastError: "fake crash" });
    expect(await screen.findByTestId("transition")).toBeTruthy();
    expect(screen.getByTestId("header-state").textContent).toContain("Restarting");
    await emit("gateway-status-changed", running);
    expect(await screen.findByTestId("running")).toBeTruthy();
  });
});
