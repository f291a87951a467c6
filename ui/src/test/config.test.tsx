import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { EditorView } from "codemirror";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initGateway, resetGatewayStore } from "../lib/gateway";
import { Config } from "../pages/Config";
import { running } from "./fixtures";
import schema from "./config-schema.json";

const RAW = "// mine\n{\n  gateway: { port: 18789 },\n}\n";
const doc = (over: object = {}) => ({ path: "/home/me/.tidepool/tidepool.json", exists: true, raw: RAW, hash: "h1", live: true, problem: null, ...over });

function typeInto(newText: string) {
  const el = screen.getByTestId("code-editor").querySelector(".cm-editor") as HTMLElement;
  const view = EditorView.findFromDOM(el)!;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: newText } });
}

type Calls = { cmd: string; args: unknown }[];

function setup(handler: (cmd: string, args: unknown) => unknown): Calls {
  const calls: Calls = [];
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "gateway_status") return running;
      if (cmd === "gateway_metrics") return [];
      if (cmd === "config_schema") return JSON.stringify(schema);
      return handler(cmd, args);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

describe("Config", () => {
  beforeEach(() => resetGatewayStore());
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("shows a skeleton, then the file; review shows a diff; save reports what needs a restart", async () => {
    const calls = setup((cmd) => {
      if (cmd === "config_load") return doc();
      if (cmd === "config_save") return { outcome: "saved", hash: "h2", changed: ["gateway.port"], restartRequired: ["gateway.port"], live: true };
    });
    await initGateway();
    render(() => <Config />);
    expect(screen.getByLabelText("Loading")).toBeTruthy();
    expect((await screen.findByTestId("config-mode")).textContent).toBe("Live");
    expect((screen.getByTestId("config-review") as HTMLButtonElement).disabled).toBe(true);
    typeInto(RAW.replace("18789", "19000"));
    await waitFor(() => expect((screen.getByTestId("config-review") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("config-review"));
    const diff = await screen.findByTestId("diff");
    expect(diff.querySelector('[data-kind="del"]')?.textContent).toContain("18789");
    expect(diff.querySelector('[data-kind="add"]')?.textContent).toContain("19000");
    fireEvent.click(screen.getByTestId("config-save"));
    const saved = await screen.findByTestId("config-saved");
    expect(saved.textContent).toContain("reloaded by the gateway");
    expect(saved.textContent).toContain("gateway.port");
    expect(saved.textContent).toContain("Restart gateway");
    const save = calls.find((c) => c.cmd === "config_save")!.args as { raw: string; baseHash: string };
    expect(save.baseHash).toBe("h1");
    expect(save.raw).toContain("19000");
  });

  it("marks an invalid save at its line and keeps the text", async () => {
    setup((cmd) => {
      if (cmd === "config_load") return doc();
      if (cmd === "config_save")
        return { outcome: "invalid", problem: { message: "config tidepool.json:3:15: at `gateway.prot`: unknown field (did you mean `port`?)", line: 3, column: 15 } };
    });
    render(() => <Config />);
    await screen.findByTestId("config-mode");
    typeInto(RAW.replace("port", "prot"));
    fireEvent.click(screen.getByTestId("config-review"));
    fireEvent.click(await screen.findByTestId("config-save"));
    expect((await screen.findByTestId("config-refused")).textContent).toContain("did you mean `port`?");
    await waitFor(() => expect(document.querySelector(".cm-lint-marker-error")).toBeTruthy());
    // Editing again clears the stale marker and message.
    typeInto(RAW);
    await waitFor(() => expect(document.querySelector(".cm-lint-marker-error")).toBeNull());
    expect(screen.queryByTestId("config-refused")).toBeNull();
  });

  it("on a conflict keeps the user's text and compares it with the new file", async () => {
    let loads = 0;
    setup((cmd) => {
      if (cmd === "config_load") return doc({ hash: `h${++loads}`, raw: loads > 1 ? RAW.replace("18789", "18800") : RAW });
      if (cmd === "config_save") return { outcome: "conflict", message: "the config changed since you loaded it", currentHash: "h2" };
    });
    render(() => <Config />);
    await screen.findByTestId("config-mode");
    typeInto(RAW.replace("18789", "19000"));
    fireEvent.click(screen.getByTestId("config-review"));
    fireEvent.click(await screen.findByTestId("config-save"));
    fireEvent.click(await screen.findByText("Compare with the new file"));
    const diff = await screen.findByTestId("diff");
    expect(diff.querySelector('[data-kind="del"]')?.textContent).toContain("18800");
    expect(diff.querySelector('[data-kind="add"]')?.textContent).toContain("19000");
  });

  it("offers the last good config when the file is invalid, after confirmation", async () => {
    const calls = setup((cmd) => {
      if (cmd === "config_load")
        return doc({ live: false, problem: { message: "config tidepool.json:2:14: at `gateway.port`: invalid type", line: 2, column: 14 } });
      if (cmd === "config_restore_last_good") return "Restored tidepool.json from tidepool.json.last-good";
    });
    render(() => <Config />);
    expect((await screen.findByTestId("config-mode")).textContent).toBe("File only");
    expect((await screen.findByTestId("config-problem")).textContent).toContain("Go to line 2");
    fireEvent.click(screen.getByTestId("config-restore"));
    fireEvent.click(await screen.findByTestId("config-restore-confirm"));
    expect(await screen.findByText(/Restored tidepool.json/)).toBeTruthy();
    expect(calls.filter((c) => c.cmd === "config_restore_last_good").length).toBe(1);
  });

  it("the form shows the file's values and rewrites the text; the raw text updates the form", async () => {
    setup((cmd) => (cmd === "config_load" ? doc() : undefined));
    render(() => <Config />);
    const port = (await screen.findByTestId("cfg-gateway-port")) as HTMLInputElement;
    expect(port.value).toBe("18789");
    const tick = screen.getByTestId("cfg-gateway-tickIntervalMs") as HTMLInputElement;
    expect(tick.value).toBe("");
    expect(tick.placeholder).toBe("30000");
    expect((screen.getByTestId("cfg-gateway-auth-mode") as HTMLSelectElement).value).toBe("token");
    expect(screen.getByText(/without its comments/)).toBeTruthy();
    fireEvent.change(port, { target: { value: "19000" } });
    fireEvent.change(screen.getByTestId("cfg-gateway-auth-mode"), { target: { value: "password" } });
    await waitFor(() => expect((screen.getByTestId("config-review") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("config-review"));
    const diff = await screen.findByTestId("diff");
    expect(diff.textContent).toContain("port: 19000");
    expect(diff.textContent).toContain("mode: 'password'");
    fireEvent.click(screen.getByText("Cancel"));
    // Raw → form.
    fireEvent.click(screen.getByTestId("tab-raw"));
    typeInto("{ gateway: { port: 20000 }, logging: { level: 'debug' } }");
    fireEvent.click(screen.getByTestId("tab-form"));
    await waitFor(() => expect((screen.getByTestId("cfg-gateway-port") as HTMLInputElement).value).toBe("20000"));
    expect((screen.getByTestId("cfg-logging-level") as HTMLInputElement).value).toBe("debug");
    // A syntax error: the form says where to fix it.
    fireEvent.click(screen.getByTestId("tab-raw"));
    typeInto("{ gateway: ");
    fireEvent.click(screen.getByTestId("tab-form"));
    expect((await screen.findByTestId("form-unavailable")).textContent).toContain("Fix it in the Raw view");
  });

  it("shows a secret reference without its value", async () => {
    setup((cmd) =>
      cmd === "config_load" ? doc({ raw: "{ gateway: { auth: { token: { source: 'env', id: 'GW_TOKEN' } } } }" }) : undefined,
    );
    render(() => <Config />);
    expect((await screen.findByTestId("cfg-gateway-auth-token")).textContent).toContain("env: GW_TOKEN");
  });

  it("follows outside changes: reloads when clean, warns when the user is editing", async () => {
    let loads = 0;
    setup((cmd) => (cmd === "config_load" ? doc({ hash: `h${++loads}`, raw: loads > 1 ? RAW.replace("18789", "18800") : RAW }) : undefined));
    render(() => <Config />);
    await screen.findByTestId("config-mode");
    await emit("gateway-config-changed", { hash: "h2", changed: ["gateway.port"], restartRequired: ["gateway.port"], source: "file" });
    expect(await screen.findByText(/changed outside this page and was reloaded: gateway.port/)).toBeTruthy();
    await waitFor(() => expect((screen.getByTestId("cfg-gateway-port") as HTMLInputElement).value).toBe("18800"));
    typeInto(RAW.replace("18789", "19000"));
    await emit("gateway-config-changed", { hash: "h9", changed: ["logging.level"], restartRequired: [], source: "file" });
    expect((await screen.findByTestId("config-conflict")).textContent).toContain("Compare with the new file");
  });

  it("explains a failed load and retries", async () => {
    let first = true;
    setup((cmd) => {
      if (cmd === "config_load") {
        if (first) {
          first = false;
          throw { kind: "gateway", message: "cannot run /opt/tidepool: No such file" };
        }
        return doc();
      }
    });
    render(() => <Config />);
    expect((await screen.findByRole("alert")).textContent).toContain("cannot run /opt/tidepool");
    fireEvent.click(screen.getByText("Try again"));
    expect((await screen.findByTestId("config-mode")).textContent).toBe("Live");
  });
});
