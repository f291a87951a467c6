import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks } from "@tauri-apps/api/mocks";
import { createSignal } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AppPalette } from "./AppPalette";
import schema from "./features/config/config-schema.json";
import { session, setup } from "./features/chat/fixtures";
import { current, resetChatStore } from "./features/chat/store";
import { initGateway, resetGatewayStore } from "./shared/lib/gateway";
import { settingRequest, takeSettingRequest } from "./shared/lib/settings";
import type { Page } from "./shared/ui/Sidebar";

function view() {
  const go = vi.fn<(p: Page) => void>();
  const [open, setOpen] = createSignal(true);
  render(() => <AppPalette open={open()} onOpenChange={setOpen} go={go} />);
  return { go, open };
}

const input = () => screen.getByTestId("palette-input");
const labels = () => screen.getAllByRole("option").map((o) => o.querySelector("[data-part=label]")?.textContent);
const activeLabel = () => {
  const id = input().getAttribute("aria-activedescendant");
  return id ? document.getElementById(id)?.querySelector("[data-part=label]")?.textContent : null;
};

describe("command palette", () => {
  beforeEach(() => {
    resetGatewayStore();
    resetChatStore();
    takeSettingRequest();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("lists pages, gateway actions, new chat and recent conversations; arrows and Enter run one", async () => {
    const calls = setup({ sessions: [session({ key: "agent:main:trip", title: "Trip planning" })], handler: (cmd) => (cmd === "config_schema" ? JSON.stringify(schema) : undefined) });
    await initGateway();
    const { go, open } = view();
    expect(await screen.findByText("Trip planning")).toBeTruthy();
    expect(labels()).toEqual(expect.arrayContaining(["Go to Dashboard", "Go to Settings", "Restart the gateway", "Stop the gateway", "New chat"]));
    expect(screen.getByRole("combobox").getAttribute("aria-controls")).toBe(screen.getByRole("listbox").id);
    expect(activeLabel()).toBe("Go to Dashboard");
    fireEvent.keyDown(input(), { key: "ArrowDown" });
    expect(activeLabel()).toBe("Go to Chat");
    fireEvent.keyDown(input(), { key: "ArrowUp" });
    fireEvent.keyDown(input(), { key: "ArrowUp" });
    expect(activeLabel()).toBe("Trip planning");
    fireEvent.keyDown(input(), { key: "Enter" });
    await waitFor(() => expect(go).toHaveBeenCalledWith("chat"));
    expect(current()).toBe("agent:main:trip");
    expect(open()).toBe(false);
    expect(calls.some((c) => c.cmd === "chat_sessions" && c.args.search === null)).toBe(true);
  });

  it("filters by words, searches conversations on the gateway, and jumps to a setting", async () => {
    const calls = setup({ sessions: [session({ key: "agent:main:ideas", title: "Ideas" })], handler: (cmd) => (cmd === "config_schema" ? JSON.stringify(schema) : undefined) });
    await initGateway();
    const { go } = view();
    fireEvent.input(input(), { target: { value: "dash" } });
    await waitFor(() => expect(labels()).toEqual(["Go to Dashboard"]));
    fireEvent.input(input(), { target: { value: "logging level" } });
    await waitFor(() => expect(labels()).toContain("Logging › Level"), { onTimeout: (e) => new Error(`${e.message}: ${labels().join(" / ")}`) });
    expect(labels()[0]).toBe("Logging › Level");
    await waitFor(() => expect(calls.some((c) => c.cmd === "chat_sessions" && c.args.search === "logging level")).toBe(true));
    fireEvent.keyDown(input(), { key: "Enter" });
    expect(go).toHaveBeenCalledWith("config");
    expect(settingRequest()?.path).toEqual(["logging", "level"]);
  });

  it("says when nothing matches, and Escape closes", async () => {
    setup({ sessions: [] });
    await initGateway();
    const { open } = view();
    fireEvent.input(input(), { target: { value: "zzzz" } });
    expect(await screen.findByText("Nothing matches “zzzz”.")).toBeTruthy();
    fireEvent.keyDown(input(), { key: "Escape" });
    await waitFor(() => expect(open()).toBe(false));
  });
});
