import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Header } from "../../shared/ui/Header";
import { initGateway, resetGatewayStore, status } from "../../shared/lib/gateway";
import { initSettings, resetSettingsStore } from "../settings/store";
import { Dashboard } from "../dashboard/Page";
import { Onboarding } from "../onboarding/Page";
import { Sessions } from "../sessions/Page";
import { Settings } from "../settings/Page";
import { info as appInfo, remoteRunning, settings, setupInfo, stopped } from "../../shared/test/fixtures";
import { byTestId, defined, radio } from "../../shared/test/dom";
import { argsOf } from "../../shared/test/ipc";

const TOKEN = "remote-token-abcdef0123456789";
const URL = "ws://127.0.0.1:18789";

type Calls = { cmd: string; args: Record<string, unknown> }[];

function ipc(handlers: Record<string, (args: Record<string, unknown>) => unknown>): Calls {
  const calls: Calls = [];
  mockIPC(
    (cmd, payload) => {
      const args = argsOf(payload);
      calls.push({ cmd, args });
      const h = handlers[cmd];
      if (h) return h(args);
      if (cmd === "onboarding_save") return null;
      if (cmd === "gateway_metrics") return [];
    },
    { shouldMockEvents: true },
  );
  return calls;
}

function type(testid: string, value: string) {
  fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

const ok = (transport: string) => ({ kind: "ok", url: URL, version: "0.1.0", protocol: 4, scopes: ["operator.admin"], transport });

async function openRemoteStep(onDone = () => {}) {
  render(() => <Onboarding info={setupInfo()} onDone={onDone} />);
  fireEvent.click(radio("welcome-remote"));
  fireEvent.click(screen.getByTestId("welcome-next"));
  await screen.findByTestId("step-remote");
}

describe("Connecting to a gateway elsewhere", () => {
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("names a refused token, puts the cursor on it, then connects and keeps the token out of the saved progress", async () => {
    const onDone = vi.fn();
    const calls = ipc({
      remote_check: (a) =>
        a.token === TOKEN
          ? ok("loopback")
          : { kind: "failed", reason: "token", message: `the gateway at ${URL} refused the token (token mismatch)` },
      remote_connect: () => ({ ...ok("loopback") }),
    });
    await openRemoteStep(onDone);
    // Two steps only: nothing to set up on this computer.
    expect(screen.queryByTestId("stepper-provider")).toBeNull();
    expect(screen.getByTestId("stepper-remote").getAttribute("aria-current")).toBe("step");
    expect(byTestId("remote-connect", HTMLButtonElement).disabled).toBe(true);

    type("remote-url", URL);
    type("remote-token", "wrong");
    fireEvent.click(screen.getByTestId("remote-check"));
    const problem = await screen.findByTestId("remote-problem");
    expect(problem.textContent).toContain("The token was refused");
    expect(problem.textContent).toContain("refused the token");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("remote-token")));
    expect(screen.getByTestId("remote-token").getAttribute("type")).toBe("password");

    // Typing clears the old verdict.
    type("remote-token", TOKEN);
    expect(screen.queryByTestId("remote-problem")).toBeNull();
    fireEvent.click(screen.getByTestId("remote-check"));
    const good = await screen.findByTestId("remote-ok");
    expect(good.dataset.transport).toBe("loopback");
    expect(good.textContent).toContain("version 0.1.0");
    fireEvent.click(screen.getByTestId("remote-connect"));
    await waitFor(() => expect(onDone).toHaveBeenCalled());

    const connect = defined(calls.find((c) => c.cmd === "remote_connect"));
    expect(connect.args).toEqual({ url: URL, token: TOKEN, allowPlain: false });
    const saves = calls.filter((c) => c.cmd === "onboarding_save");
    expect(defined(saves.at(-1)).args.progress).toMatchObject({ status: "done" });
    expect(JSON.stringify(saves)).not.toContain(TOKEN);
  });

  it("asks for consent before the token goes unencrypted across the network, and sends nothing before it", async () => {
    const onDone = vi.fn();
    const calls = ipc({
      remote_check: (a) => (a.allowPlain ? ok("plain") : { kind: "failed", reason: "plain", message: "ws://192.168.1.20:18789 is not encrypted… Nothing was sent yet" }),
      remote_connect: (a) => (a.allowPlain ? ok("plain") : { kind: "failed", reason: "plain", message: "not agreed" }),
    });
    await openRemoteStep(onDone);
    type("remote-url", "ws://192.168.1.20:18789");
    type("remote-token", TOKEN);
    fireEvent.click(screen.getByTestId("remote-check"));
    const warn = await screen.findByTestId("remote-plain");
    expect(warn.textContent).toContain("Nothing has been sent yet");
    expect(warn.textContent).toContain("anyone on the network between here and there can read them");
    expect(screen.queryByTestId("remote-problem")).toBeNull();
    expect(calls.filter((c) => c.cmd === "remote_check").map((c) => c.args.allowPlain)).toEqual([false]);
    const connect = byTestId("remote-connect", HTMLButtonElement);
    expect(connect.disabled).toBe(true);

    // Agreeing checks again, now allowed to send the token; Connect then carries the consent.
    fireEvent.click(screen.getByTestId("remote-accept-plain"));
    const good = await screen.findByTestId("remote-ok");
    expect(good.dataset.transport).toBe("plain");
    expect(calls.filter((c) => c.cmd === "remote_check").map((c) => c.args.allowPlain)).toEqual([false, true]);
    await waitFor(() => expect(connect.disabled).toBe(false));
    // Unticking takes the consent back.
    fireEvent.click(screen.getByTestId("remote-accept-plain"));
    expect(connect.disabled).toBe(true);
    fireEvent.click(screen.getByTestId("remote-accept-plain"));
    fireEvent.click(connect);
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(defined(calls.find((c) => c.cmd === "remote_connect")).args).toMatchObject({ allowPlain: true });

  });

  it("shows why nothing answered and leaves the step when a later connect fails", async () => {
    const onDone = vi.fn();
    ipc({
      remote_check: () => ok("encrypted"),
      remote_connect: () => ({ kind: "failed", reason: "unreachable", message: "nothing answered at gw.example.com:443 (refused)" }),
    });
    await openRemoteStep(onDone);
    type("remote-url", "wss://gw.example.com");
    fireEvent.click(screen.getByTestId("remote-check"));
    await screen.findByTestId("remote-ok");
    fireEvent.click(screen.getByTestId("remote-connect"));
    expect((await screen.findByTestId("remote-problem")).textContent).toContain("nothing answered");
    expect(screen.queryByTestId("remote-ok")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("remote-url")));
    expect(onDone).not.toHaveBeenCalled();
  });
});

describe("The app connected to a remote gateway", () => {
  beforeEach(() => {
    resetGatewayStore();
    resetSettingsStore();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("says Connected / Disconnect and names the host instead of a process", async () => {
    ipc({ gateway_status: () => remoteRunning });
    render(() => (
      <>
        <Header title="Dashboard" />
        <Dashboard />
      </>
    ));
    await initGateway();
    expect((await screen.findByTestId("header-state")).textContent).toContain("Connected");
    expect(screen.getByTestId("header-gateway").textContent).toBe("Gateway at gw.example.com");
    expect(screen.getByText("Disconnect")).toBeTruthy();
    // One Reconnect, in the header (the dashboard no longer repeats it).
    expect(screen.getAllByText("Reconnect")).toHaveLength(1);
    expect(screen.getByTestId("card-address").textContent).toContain("gw.example.com");
    expect(screen.getByTestId("card-pid").textContent).toContain("another machine (encrypted)");
  });

  it("pages that need the gateway work while connected and offer Connect while not", async () => {
    let current = remoteRunning;
    ipc({ gateway_status: () => current, chat_sessions: () => [] });
    render(() => <Sessions onOpen={() => {}} />);
    await initGateway();
    expect(await screen.findByTestId("sessions-search")).toBeTruthy();
    expect(screen.queryByText(/Not connected/)).toBeNull();
    cleanup();
    resetGatewayStore();
    current = { ...remoteRunning, state: { kind: "stopped" } };
    render(() => <Sessions onOpen={() => {}} />);
    await initGateway();
    expect(await screen.findByText("Not connected to the gateway at gw.example.com")).toBeTruthy();
    expect(screen.getByText("Connect")).toBeTruthy();
  });

  it("switches back to this computer only after a confirmation", async () => {
    const calls = ipc({
      gateway_status: () => remoteRunning,
      settings_get: () => settings,
      app_info: () => appInfo,
      remote_forget: () => ({ ...stopped, state: { kind: "running", pid: 77, port: 18789, version: "0.1.0" } }),
    });
    render(() => <Settings />);
    await initGateway();
    await initSettings();
    const choice = await screen.findByTestId("gateway-choice");
    expect(choice.textContent).toContain("wss://gw.example.com");
    fireEvent.click(screen.getByTestId("use-local"));
    expect(calls.some((c) => c.cmd === "remote_forget")).toBe(false);
    fireEvent.click(screen.getByTestId("use-local-confirm"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "remote_forget")).toBe(true));
    await waitFor(() => expect(status()?.remote).toBeNull());
    expect(screen.getByTestId("use-remote")).toBeTruthy();
  });
});
