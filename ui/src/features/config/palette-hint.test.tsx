import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { AppPalette } from "../../AppPalette";
import { initGateway, resetGatewayStore } from "../../shared/lib/gateway";
import { settingRequest, takeSettingRequest } from "../../shared/lib/settings";
import { setup } from "../chat/fixtures";
import schema from "./config-schema.json";

beforeEach(() => {
  resetGatewayStore();
  takeSettingRequest();
});
afterEach(() => {
  cleanup();
  clearMocks();
});

it("the palette jumps to a config setting, its hint without the words that repeat the name", async () => {
  setup({ sessions: [], handler: (cmd) => (cmd === "config_schema" ? JSON.stringify(schema) : undefined) });
  await initGateway();
  const go = vi.fn();
  render(() => <AppPalette open onOpenChange={() => {}} go={go} />);
  fireEvent.input(screen.getByTestId("palette-input"), { target: { value: "gateway port" } });
  const option = await waitFor(() => {
    const o = screen.getAllByRole("option").find((x) => x.querySelector("[data-part=label]")?.textContent === "Gateway › Port");
    if (!o) throw new Error("no Gateway › Port");
    return o;
  });
  // "Port (default 18789; 0 = any free port)." under "Gateway › Port".
  expect(option.textContent).toContain("Default 18789; 0 = any free port.");
  expect(option.textContent).not.toContain("Port (default");
  fireEvent.click(option);
  expect(go).toHaveBeenCalledWith("config");
  expect(settingRequest()?.path).toEqual(["gateway", "port"]);
});
