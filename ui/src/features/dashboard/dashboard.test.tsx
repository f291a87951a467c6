import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { initGateway, resetGatewayStore } from "../../shared/lib/gateway";
import { Header } from "../../shared/ui/Header";
import { Dashboard } from "./Page";
import { crashed, running, serviceRunning, stopped } from "../../shared/test/fixtures";
import { defined } from "../../shared/test/dom";

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

function view(onOpenConfig?: () => void) {
  return render(() => (
    <>
      <Header title="Dashboard" />
      <Dashboard onOpenConfig={onOpenConfig} />
    </>
  ));
}

const BROKEN = "{\n  gateway: { port: 'x' },\n}\n";
const GOOD = "{\n  gateway: { port: 18789 },\n}\n";
const lastGood = (over: object = {}) => ({
  path: "/home/me/.tidepool/tidepool.json",
  current: BROKEN,
  lastGoodPath: "/home/me/.tidepool/tidepool.json.last-good",
  lastGood: GOOD,
  ...over,
});

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

  it("says when a service manager runs the gateway, and what Start does then", async () => {
    let current = serviceRunning;
    setup((cmd) => {
      if (cmd === "gateway_status") return current;
    });
    view();
    await initGateway();
    expect((await screen.findByTestId("card-managed")).textContent).toBe("managed by systemd");
    cleanup();
    resetGatewayStore();
    current = { ...stopped, managedBy: "task" };
    view();
    await initGateway();
    expect((await screen.findByTestId("stopped")).textContent).toContain("managed by Task Scheduler: Start starts the service");
    cleanup();
    resetGatewayStore();
    // The app's own sidecar: no badge.
    current = running;
    view();
    await initGateway();
    await screen.findByTestId("running");
    expect(screen.queryByTestId("card-managed")).toBeNull();
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
    setup((cmd) =>
      cmd === "gateway_status"
        ? { ...crashed, state: { kind: "crashed", reason: "the gateway exited with code 1: boom (gave up after 5 crashes within 60 s; fix the cause, then Start again)", exitCode: 1 } }
        : undefined,
    );
    view();
    await initGateway();
    const box = await screen.findByTestId("crashed");
    expect(box.textContent).toContain("gave up after 5 crashes");
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
  it("after an invalid config (exit 78) says so in words, shows the diff, restores and starts again", async () => {
    let restored = false;
    const calls = setup((cmd) => {
      if (cmd === "gateway_status") return crashed;
      if (cmd === "config_last_good") return lastGood();
      if (cmd === "config_restore_last_good") {
        restored = true;
        return "Restored /home/me/.tidepool/tidepool.json from tidepool.json.last-good (the replaced file is kept as tidepool.json.replaced.1)";
      }
      if (cmd === "gateway_start") return restored ? running : Promise.reject({ kind: "gateway", message: "invalid gateway config" });
    });
    view();
    await initGateway();
    const box = await screen.findByTestId("crashed-config");
    expect(box.textContent).toContain("its config file has a mistake");
    // The gateway's own words, without the supervisor's prefix.
    expect(screen.getByTestId("crashed-reason").textContent).toBe("config tidepool.json: at `gateway.port`: invalid type");
    fireEvent.click(screen.getByTestId("restore-offer"));
    const diff = await screen.findByTestId("diff");
    expect(diff.querySelector('[data-kind="del"]')?.textContent).toContain("port: 'x'");
    expect(diff.querySelector('[data-kind="add"]')?.textContent).toContain("port: 18789");
    // Nothing is restored before the confirmation.
    expect(calls).not.toContain("config_restore_last_good");
    fireEvent.click(screen.getByTestId("restore-confirm"));
    expect(await screen.findByTestId("running")).toBeTruthy();
    expect(screen.getByTestId("restored").textContent).toContain("the replaced file is kept as tidepool.json.replaced.1");
    expect(calls.filter((c) => c === "config_restore_last_good")).toHaveLength(1);
    expect(calls.indexOf("gateway_start")).toBeGreaterThan(calls.indexOf("config_restore_last_good"));
    expect(screen.queryByTestId("diff")).toBeNull();
  });

  it("Cancel in the diff restores nothing", async () => {
    const calls = setup((cmd) => {
      if (cmd === "gateway_status") return crashed;
      if (cmd === "config_last_good") return lastGood();
    });
    view();
    await initGateway();
    fireEvent.click(await screen.findByTestId("restore-offer"));
    await screen.findByTestId("diff");
    fireEvent.click(screen.getByText("Cancel"));
    await waitFor(() => expect(screen.queryByTestId("diff")).toBeNull());
    expect(calls).not.toContain("config_restore_last_good");
    expect(calls).not.toContain("gateway_start");
    expect(screen.getByTestId("crashed-config")).toBeTruthy();
  });

  it("without a last working config says so and offers the Config page", async () => {
    const openConfig = vi.fn();
    const calls = setup((cmd) => {
      if (cmd === "gateway_status") return crashed;
      if (cmd === "config_last_good") return lastGood({ lastGood: null });
    });
    view(openConfig);
    await initGateway();
    fireEvent.click(await screen.findByTestId("restore-offer"));
    const none = await screen.findByTestId("restore-none");
    expect(none.textContent).toContain("no earlier working config");
    expect(none.textContent).toContain("tidepool.json.last-good does not exist");
    expect(screen.queryByTestId("diff")).toBeNull();
    fireEvent.click(screen.getByTestId("restore-none-open-config"));
    expect(openConfig).toHaveBeenCalled();
    expect(calls).not.toContain("config_restore_last_good");
  });

  it("a restore that fails keeps the dialog open with the reason, and nothing starts", async () => {
    const calls = setup((cmd) => {
      if (cmd === "gateway_status") return crashed;
      if (cmd === "config_last_good") return lastGood();
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the gateway's message quotes the config's ${VAR} syntax
      if (cmd === "config_restore_last_good") throw { kind: "gateway", message: "the last good config no longer validates: ${API_KEY} is not set" };
    });
    view();
    await initGateway();
    fireEvent.click(await screen.findByTestId("restore-offer"));
    fireEvent.click(await screen.findByTestId("restore-confirm"));
    expect((await screen.findByTestId("restore-failed")).textContent).toContain("no longer validates");
    expect(screen.getByTestId("diff")).toBeTruthy();
    expect(calls).not.toContain("gateway_start");
  });

  it("when the last working copy equals the file, explains that restoring changes nothing", async () => {
    setup((cmd) => {
      if (cmd === "gateway_status") return crashed;
      if (cmd === "config_last_good") return lastGood({ current: GOOD });
    });
    view();
    await initGateway();
    fireEvent.click(await screen.findByTestId("restore-offer"));
    expect((await screen.findByTestId("restore-same")).textContent).toContain("would change nothing");
    expect(screen.queryByTestId("restore-confirm")).toBeNull();
  });

  it("a reading error is shown in plain words", async () => {
    setup((cmd) => {
      if (cmd === "gateway_status") return crashed;
      if (cmd === "config_last_good") throw { kind: "io", message: "cannot read /home/me/.tidepool/tidepool.json.last-good: Permission denied (os error 13)" };
    });
    view();
    await initGateway();
    fireEvent.click(await screen.findByTestId("restore-offer"));
    expect((await screen.findByTestId("restore-error")).textContent).toContain("Permission denied");
  });

  it("other crashes keep the plain Start again (no restore offer)", async () => {
    setup((cmd) =>
      cmd === "gateway_status"
        ? { ...crashed, state: { kind: "crashed", reason: "the state dir is locked by pid 77", exitCode: 75 } }
        : undefined,
    );
    view();
    await initGateway();
    expect((await screen.findByTestId("crashed")).textContent).toContain("Start again");
    expect(screen.queryByTestId("restore-offer")).toBeNull();
  });
  it("names the file, line and column of the mistake, and does not repeat a refused start above it", async () => {
    const reason =
      "invalid gateway config: config /home/me/.tidepool/tidepool.json:3:25: at `agents.defaults.modle`: unknown setting `modle` (did you mean `model`?)";
    const state = { ...crashed, state: { kind: "crashed", reason, exitCode: 78 }, lastError: reason };
    const calls = setup((cmd) => {
      if (cmd === "gateway_status") return state;
      if (cmd === "gateway_start") throw { kind: "gateway", message: reason };
    });
    view();
    await initGateway();
    const box = await screen.findByTestId("crashed-config");
    expect(box.textContent).toContain("The mistake is in tidepool.json, line 3, column 25:");
    expect(screen.getByTestId("crashed-reason").textContent).toBe("at `agents.defaults.modle`: unknown setting `modle` (did you mean `model`?)");
    const start = defined(screen.getByText("Start").closest("button"));
    fireEvent.click(start);
    await waitFor(() => expect(calls).toContain("gateway_start"));
    await waitFor(() => expect(start.getAttribute("aria-busy")).toBeNull());
    expect(screen.getByTestId("crashed-config")).toBeTruthy();
    expect(screen.queryByTestId("action-error")).toBeNull();
  });
});
