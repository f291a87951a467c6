import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks } from "@tauri-apps/api/mocks";
import { forEachDiagnostic } from "@codemirror/lint";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetGatewayStore } from "../../shared/lib/gateway";
import { Config } from "./Page";
import { byTestId, defined, findByTestId } from "../../shared/test/dom";
import { toast } from "../../shared/ui/Toast";
import { doc, RAW, rawView, setup, typeInto, WithToasts } from "./testing";

describe("Config: the did-you-mean quick fix", () => {
  beforeEach(() => resetGatewayStore());
  afterEach(() => {
    cleanup();
    clearMocks();
    toast.clear();
  });

  it("a did-you-mean in the refusal is one click: the key on that line is renamed and the file can be saved again", async () => {
    const PROT = "// mine\n{\n  gateway: { prot: 18789 }, // prot, as typed\n  logging: { prot: 1 },\n}\n";
    let saves = 0;
    const calls = setup((cmd) => {
      if (cmd === "config_load") return doc();
      if (cmd === "config_save") {
        if (++saves === 1)
          return { outcome: "invalid", problem: { message: "config tidepool.json:3:15: at `gateway.prot`: unknown setting `prot`: neither Tidepool nor OpenClaw has it (did you mean `port`?)", line: 3, column: 15 } };
        return { outcome: "saved", hash: "h2", changed: ["gateway.port"], restartRequired: [], live: true };
      }
    });
    render(() => <WithToasts />);
    await screen.findByTestId("config-mode");
    await typeInto(PROT);
    fireEvent.click(screen.getByTestId("config-review"));
    fireEvent.click(await screen.findByTestId("config-save"));
    const refused = await screen.findByTestId("config-refused");
    const fix = byTestId("config-quickfix", HTMLButtonElement);
    expect(fix.textContent).toBe("Replace prot with port");
    expect(refused.textContent).toContain("Take its suggestion");
    // The editor's marker offers the same fix.
    const view = await rawView();
    const names: string[] = [];
    forEachDiagnostic(view.state, (d) => names.push(...(d.actions ?? []).map((a) => a.name)));
    expect(names).toEqual(["Replace prot with port"]);
    fireEvent.click(fix);
    // Only that key on that line: the comment and the other section's key stay.
    await waitFor(() => expect(view.state.doc.toString()).toBe(PROT.replace("{ prot: 18789 }", "{ port: 18789 }")));
    expect(view.state.doc.toString()).toContain("// prot, as typed");
    expect(view.state.doc.toString()).toContain("logging: { prot: 1 }");
    // The new word is selected in the editor, which has the focus.
    expect(view.state.sliceDoc(view.state.selection.main.from, view.state.selection.main.to)).toBe("port");
    expect(view.hasFocus).toBe(true);
    expect(screen.queryByTestId("config-refused")).toBeNull();
    expect((await screen.findByTestId("config-quickfixed")).textContent).toContain("Replaced “prot” with “port” on line 3");
    await waitFor(() => expect(document.querySelector(".cm-lint-marker-error")).toBeNull());
    fireEvent.click(screen.getByTestId("config-review"));
    fireEvent.click(await screen.findByTestId("config-save"));
    await waitFor(() => expect(saves).toBe(2));
    expect(defined(calls.filter((c) => c.cmd === "config_save").at(-1)).args).toMatchObject({ raw: expect.stringContaining("{ port: 18789 }") });
  });

  it("the editor marker's fix works on its own, and a value the gateway suggests is replaced too", async () => {
    setup((cmd) => {
      if (cmd === "config_load") return doc();
      if (cmd === "config_save")
        return { outcome: "invalid", problem: { message: "config t.json:3:30: at `gateway.auth.mode`: unknown variant `tokne`, expected one of `token`, `password`, `none` (did you mean `token`?)", line: 3, column: 30 } };
    });
    render(() => <Config />);
    await screen.findByTestId("config-mode");
    await typeInto("{\n  gateway: {\n    auth: { mode: 'tokne' },\n  },\n}\n");
    fireEvent.click(screen.getByTestId("config-review"));
    fireEvent.click(await screen.findByTestId("config-save"));
    expect((await findByTestId("config-quickfix", HTMLButtonElement)).textContent).toBe("Replace tokne with token");
    const view = await rawView();
    await waitFor(() => {
      let n = 0;
      forEachDiagnostic(view.state, () => n++);
      expect(n).toBe(1);
    });
    forEachDiagnostic(view.state, (d) => d.actions?.[0]?.apply(view, d.from, d.to));
    await waitFor(() => expect(view.state.doc.toString()).toContain("mode: 'token'"));
    expect(screen.queryByTestId("config-refused")).toBeNull();
  });

  it("offers no fix without a suggestion, nor when the line no longer has the key", async () => {
    let line = 3;
    let message = "config tidepool.json:3:15: at `gateway.zzzz`: unknown setting `zzzz`: neither Tidepool nor OpenClaw has it";
    setup((cmd) => {
      if (cmd === "config_load") return doc();
      if (cmd === "config_save") return { outcome: "invalid", problem: { message, line, column: 15 } };
    });
    render(() => <Config />);
    await screen.findByTestId("config-mode");
    await typeInto(RAW.replace("port", "zzzz"));
    fireEvent.click(screen.getByTestId("config-review"));
    fireEvent.click(await screen.findByTestId("config-save"));
    const refused = await screen.findByTestId("config-refused");
    expect(refused.textContent).toContain("Correct the text, then Review & save again.");
    expect(screen.queryByTestId("config-quickfix")).toBeNull();
    // The gateway points at line 2, where there is no such key: no guess.
    line = 2;
    message = "config tidepool.json:2:3: at `gateway.prot`: unknown setting `prot`: neither Tidepool nor OpenClaw has it (did you mean `port`?)";
    await typeInto(RAW.replace("port", "prot"));
    fireEvent.click(screen.getByTestId("config-review"));
    fireEvent.click(await screen.findByTestId("config-save"));
    await waitFor(() => expect(screen.getByTestId("config-refused").textContent).toContain("did you mean `port`?"));
    expect(screen.queryByTestId("config-quickfix")).toBeNull();
  });

  it("a file that is already invalid when opened gets the same fix", async () => {
    const broken = RAW.replace("port", "prot");
    setup((cmd) =>
      cmd === "config_load"
        ? doc({ raw: broken, live: false, problem: { message: "config tidepool.json:3:15: at `gateway.prot`: unknown setting `prot`: neither Tidepool nor OpenClaw has it (did you mean `port`?)", line: 3, column: 15 } })
        : undefined,
    );
    render(() => <Config />);
    const problem = await screen.findByTestId("config-problem");
    fireEvent.click(defined(problem.querySelector<HTMLButtonElement>('[data-testid="config-quickfix"]'), "the fix"));
    await waitFor(() => expect(screen.queryByTestId("config-problem")).toBeNull());
    expect(byTestId("tab-raw", HTMLButtonElement).getAttribute("aria-selected")).toBe("true");
    expect(byTestId("config-review", HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(screen.getByTestId("config-review"));
    const diff = await screen.findByTestId("diff");
    expect(diff.querySelector('[data-kind="del"]')?.textContent).toContain("prot");
    expect(diff.querySelector('[data-kind="add"]')?.textContent).toContain("port: 18789");
  });
});
