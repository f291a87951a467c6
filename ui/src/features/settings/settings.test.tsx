import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initSettings, resetSettingsStore } from "./store";
import { Settings } from "./Page";
import { Toaster, toast } from "../../shared/ui/Toast";
import { initGateway, resetGatewayStore } from "../../shared/lib/gateway";
import { running } from "../../shared/test/fixtures";
import { info, settings } from "../../shared/test/fixtures";
import { byTestId, findByTestId, radio } from "../../shared/test/dom";
import { argsOf } from "../../shared/test/ipc";

/** What the page sent to `settings_set`. */
const isSettings = (v: unknown): v is typeof settings => typeof v === "object" && v !== null && "theme" in v && "port" in v;

function setup(onSet?: (s: typeof settings) => unknown, other?: (cmd: string, args: Record<string, unknown>) => unknown) {
  const saved: (typeof settings)[] = [];
  mockIPC((cmd, args) => {
    if (other) {
      const r = other(cmd, argsOf(args));
      if (r !== undefined) return r;
    }
    if (cmd === "settings_get") return settings;
    if (cmd === "app_info") return info;
    if (cmd === "settings_set") {
      const s = argsOf(args).settings;
      if (!isSettings(s)) throw new Error(`settings_set sent ${JSON.stringify(args)}`);
      saved.push(s);
      return onSet ? onSet(s) : s;
    }
  });
  return saved;
}

describe("Settings", () => {
  beforeEach(() => {
    resetSettingsStore();
    document.documentElement.classList.remove("dark");
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("shows a skeleton while loading, then the values", async () => {
    setup();
    render(() => <Settings />);
    expect(screen.getByLabelText("Loading")).toBeTruthy();
    await initSettings();
    await screen.findByTestId("theme-system");
    expect(radio("theme-system").checked).toBe(true);
    expect(screen.getByTestId("start-on-launch").getAttribute("aria-checked")).toBe("true");
    expect(byTestId("port", HTMLInputElement).value).toBe("18789");
    expect(screen.getByText("/home/me/.tidepool")).toBeTruthy();
  });

  it("says so when the settings cannot be loaded", async () => {
    mockIPC((cmd) => {
      if (cmd === "settings_get") throw "the settings store is unreadable";
    });
    render(() => <Settings />);
    await initSettings();
    expect((await screen.findByRole("alert")).textContent).toContain("Settings could not be loaded: the settings store is unreadable");
  });

  it("switches to dark and saves it", async () => {
    const saved = setup();
    render(() => <Settings />);
    await initSettings();
    fireEvent.click(await screen.findByTestId("theme-dark"));
    await waitFor(() => expect(document.documentElement.classList.contains("dark")).toBe(true));
    expect(saved.at(-1)?.theme).toBe("dark");
    fireEvent.click(screen.getByTestId("theme-light"));
    await waitFor(() => expect(document.documentElement.classList.contains("dark")).toBe(false));
  });

  it("toggles a switch", async () => {
    const saved = setup();
    render(() => <Settings />);
    await initSettings();
    fireEvent.click(await screen.findByTestId("close-to-tray"));
    await waitFor(() => expect(saved.at(-1)?.closeToTray).toBe(false));
    await waitFor(() => expect(screen.getByTestId("close-to-tray").getAttribute("aria-checked")).toBe("false"));
  });

  it("explains a bad port before sending it, and shows the app's refusal", async () => {
    const saved = setup((s) => {
      throw { kind: "invalidInput", message: `port ${s.port} needs administrator rights; choose 1024-65535` };
    });
    render(() => <Settings />);
    await initSettings();
    const input = await findByTestId("port", HTMLInputElement);
    fireEvent.input(input, { target: { value: "http" } });
    fireEvent.keyDown(input, { key: "Enter" });
    expect((await screen.findByTestId("settings-error")).textContent).toContain('"http" is not a port');
    expect(saved.length).toBe(0);
    fireEvent.input(input, { target: { value: "80" } });
    fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(screen.getByTestId("settings-error").textContent).toContain("needs administrator rights"));
  });

  it("opens at login when switched on, shows what the system reports, and says why it could not", async () => {
    let loginItem = false;
    const asked: boolean[] = [];
    setup(undefined, (cmd, args) => {
      if (cmd === "app_autostart_get") return loginItem;
      if (cmd === "app_autostart_set") {
        asked.push(args.enabled === true);
        if (asked.length === 2) throw { kind: "io", message: "could not turn off opening at login: permission denied" };
        loginItem = args.enabled === true;
        return loginItem;
      }
    });
    render(() => <Settings />);
    await initSettings();
    const sw = await findByTestId("autostart", HTMLButtonElement);
    expect(sw.getAttribute("aria-checked")).toBe("false");
    fireEvent.click(sw);
    await waitFor(() => expect(sw.getAttribute("aria-checked")).toBe("true"));
    fireEvent.click(sw);
    expect((await screen.findByTestId("settings-error")).textContent).toContain("permission denied");
    // The switch still shows what the system has.
    expect(sw.getAttribute("aria-checked")).toBe("true");
    expect(asked).toEqual([true, false]);
  });

  it("says when opening at login is not available, shows the data folder on request, and lists the shortcuts", async () => {
    const calls: string[] = [];
    setup(undefined, (cmd) => {
      calls.push(cmd);
      if (cmd === "app_autostart_get") throw { kind: "io", message: "cannot read the login items" };
      if (cmd === "app_reveal_data_folder") return null;
    });
    render(() => <Settings />);
    await initSettings();
    expect(await screen.findByText("Not available here")).toBeTruthy();
    fireEvent.click(byTestId("reveal-data", HTMLButtonElement));
    await waitFor(() => expect(calls).toContain("app_reveal_data_folder"));
    const list = screen.getByTestId("shortcuts").textContent ?? "";
    for (const k of ["Command palette", "Ctrl+K", "Go to Chat", "Ctrl+2", "Shift+Enter"]) expect(list).toContain(k);
  });
  it("saves a port, says the running gateway moves there when it restarts, and restarts on request", async () => {
    const calls: string[] = [];
    const saved = setup(undefined, (cmd) => {
      calls.push(cmd);
      if (cmd === "gateway_status") return running;
      if (cmd === "gateway_metrics") return [];
      if (cmd === "gateway_restart") return running;
      if (cmd === "plugin:event|listen") return 1;
      return undefined;
    });
    resetGatewayStore();
    await initGateway();
    render(() => (
      <>
        <Settings />
        <Toaster />
      </>
    ));
    await initSettings();
    const field = await findByTestId("port", HTMLInputElement);
    fireEvent.input(field, { target: { value: "18800" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(saved.at(-1)?.port).toBe(18800));
    expect(await screen.findByText("The gateway moves to port 18800 when it restarts.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Restart now" }));
    await waitFor(() => expect(calls).toContain("gateway_restart"));
    toast.clear();
  });
});
