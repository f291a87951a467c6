import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initGateway, resetGatewayStore } from "../../shared/lib/gateway";
import { Config } from "./Page";
import { running, stopped } from "../../shared/test/fixtures";
import { byTestId, defined, findByTestId } from "../../shared/test/dom";
import { toast } from "../../shared/ui/Toast";
import { requestSetting } from "../../shared/lib/settings";
import { doc, editArgs, RAW, rawView, setup, typeInto, WithToasts } from "./testing";

describe("Config", () => {
  beforeEach(() => resetGatewayStore());
  afterEach(() => {
    toast.clear();
    cleanup();
    clearMocks();
  });

  it("loads the Raw editor only when Raw opens, and keeps it (with its text) when going back to the form", async () => {
    setup((cmd) => {
      if (cmd === "config_load") return doc();
    });
    await initGateway();
    render(() => <Config />);
    await screen.findByTestId("config-mode");
    expect(screen.queryByTestId("code-editor")).toBeNull();
    // Nothing on the page says it is still loading (the hidden editor's box holds nothing).
    await waitFor(() => expect(document.querySelector('.tp-skeleton, [aria-busy="true"]')).toBeNull());
    const view = await rawView();
    expect(view.state.doc.toString()).toBe(RAW);
    fireEvent.click(screen.getByTestId("tab-form"));
    fireEvent.click(screen.getByTestId("tab-raw"));
    expect(await rawView()).toBe(view);
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
    expect(byTestId("config-review", HTMLButtonElement).disabled).toBe(true);
    await typeInto(RAW.replace("18789", "19000"));
    await waitFor(() => expect(byTestId("config-review", HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("config-review"));
    const diff = await screen.findByTestId("diff");
    expect(diff.querySelector('[data-kind="del"]')?.textContent).toContain("18789");
    expect(diff.querySelector('[data-kind="add"]')?.textContent).toContain("19000");
    fireEvent.click(screen.getByTestId("config-save"));
    const saved = await screen.findByTestId("config-saved");
    expect(saved.textContent).toContain("reloaded by the gateway");
    expect(saved.textContent).toContain("gateway.port");
    expect(saved.textContent).toContain("Restart gateway");
    expect(defined(calls.find((c) => c.cmd === "config_save")).args).toMatchObject({ baseHash: "h1", raw: expect.stringContaining("19000") });
  });

  it("opens the form on a setting the command palette asked for, and focuses it", async () => {
    setup((cmd) => (cmd === "config_load" ? doc() : undefined));
    requestSetting(["logging", "level"]);
    render(() => <Config />);
    await waitFor(() => expect(document.activeElement?.id).toBe("cfg-logging-level"));
    expect(document.activeElement?.classList.contains("tp-flash")).toBe(true);
  });

  it("a jump from the palette lands on the setting even when a search hides it, from the Raw view too", async () => {
    setup((cmd) => (cmd === "config_load" ? doc() : undefined));
    render(() => <Config />);
    const find = await findByTestId("config-find", HTMLInputElement);
    fireEvent.input(find, { target: { value: "drain" } });
    expect(screen.queryByTestId("cfg-logging-level")).toBeNull();
    fireEvent.click(screen.getByTestId("tab-raw"));
    requestSetting(["logging", "level"]);
    await waitFor(() => expect(document.activeElement?.id).toBe("cfg-logging-level"));
    expect(byTestId("tab-form", HTMLButtonElement).getAttribute("aria-selected")).toBe("true");
    expect(byTestId("config-find", HTMLInputElement).value).toBe("");
    expect(screen.getByTestId("config-nav-logging").getAttribute("aria-current")).toBe("location");
  });

  it("marks an invalid save at its line and keeps the text", async () => {
    setup((cmd) => {
      if (cmd === "config_load") return doc();
      if (cmd === "config_save")
        return { outcome: "invalid", problem: { message: "config tidepool.json:3:15: at `gateway.prot`: unknown field (did you mean `port`?)", line: 3, column: 15 } };
    });
    render(() => <Config />);
    await screen.findByTestId("config-mode");
    await typeInto(RAW.replace("port", "prot"));
    fireEvent.click(screen.getByTestId("config-review"));
    fireEvent.click(await screen.findByTestId("config-save"));
    expect((await screen.findByTestId("config-refused")).textContent).toContain("did you mean `port`?");
    await waitFor(() => expect(document.querySelector(".cm-lint-marker-error")).toBeTruthy());
    // Editing again clears the stale marker and message.
    await typeInto(RAW);
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
    await typeInto(RAW.replace("18789", "19000"));
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
    render(() => <WithToasts />);
    expect((await screen.findByTestId("config-mode")).textContent).toBe("File only");
    expect((await screen.findByTestId("config-problem")).textContent).toContain("Go to line 2");
    fireEvent.click(screen.getByTestId("config-restore"));
    fireEvent.click(await screen.findByTestId("config-restore-confirm"));
    expect(await screen.findByText(/Restored tidepool.json/)).toBeTruthy();
    expect(calls.filter((c) => c.cmd === "config_restore_last_good").length).toBe(1);
  });

  it("the form shows the file's values and edits the text through the core; the raw text updates the form", async () => {
    const calls = setup((cmd) => (cmd === "config_load" ? doc() : undefined));
    render(() => <Config />);
    const port = await findByTestId("cfg-gateway-port", HTMLInputElement);
    expect(port.value).toBe("18789");
    const tick = byTestId("cfg-gateway-tickIntervalMs", HTMLInputElement);
    expect(tick.value).toBe("");
    // The default is said in words, not shown as if it were the value.
    expect(tick.placeholder).toBe("");
    expect(screen.getByTestId("cfg-gateway-tickIntervalMs-default").textContent).toBe("Default: 30000");
    expect(byTestId("cfg-gateway-auth-mode", HTMLSelectElement).value).toBe("token");
    // Two changes in a row: the second is made on the text the first left.
    fireEvent.change(port, { target: { value: "19000" } });
    fireEvent.change(screen.getByTestId("cfg-gateway-auth-mode"), { target: { value: "password" } });
    await waitFor(() => expect(byTestId("config-review", HTMLButtonElement).disabled).toBe(false));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "config_edit").length).toBe(2));
    const edits = calls.filter((c) => c.cmd === "config_edit").map((c) => editArgs(c.args));
    expect(edits[0]).toEqual({ text: RAW, path: ["gateway", "port"], value: "19000" });
    expect(edits[1].path).toEqual(["gateway", "auth", "mode"]);
    expect(edits[1].value).toBe('"password"');
    expect(edits[1].text).toContain("port: 19000");
    fireEvent.click(screen.getByTestId("config-review"));
    const diff = await screen.findByTestId("diff");
    expect(diff.textContent).toContain("port: 19000");
    expect(diff.textContent).toContain("mode: 'password'");
    // Clearing a field removes the key (back to its default).
    fireEvent.click(screen.getByText("Cancel"));
    fireEvent.change(screen.getByTestId("cfg-gateway-port"), { target: { value: "" } });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "config_edit").length).toBe(3));
    expect(defined(calls.filter((c) => c.cmd === "config_edit").at(-1)).args).toMatchObject({ path: ["gateway", "port"], value: null });
    // Raw → form.
    fireEvent.click(screen.getByTestId("tab-raw"));
    await typeInto("{ gateway: { port: 20000 }, logging: { level: 'debug' } }");
    fireEvent.click(screen.getByTestId("tab-form"));
    await waitFor(() => expect(byTestId("cfg-gateway-port", HTMLInputElement).value).toBe("20000"));
    expect(byTestId("cfg-logging-level", HTMLInputElement).value).toBe("debug");
    // A syntax error: the form says where to fix it.
    fireEvent.click(screen.getByTestId("tab-raw"));
    await typeInto("{ gateway: ");
    fireEvent.click(screen.getByTestId("tab-form"));
    expect((await screen.findByTestId("form-unavailable")).textContent).toContain("Fix it in the Raw view");
  });

  it("help under a setting does not say its name again; every control sits in the same column", async () => {
    setup((cmd) => (cmd === "config_load" ? doc() : undefined));
    render(() => <Config />);
    const port = await findByTestId("cfg-gateway-port", HTMLInputElement);
    const row = defined(port.closest("[data-setting]"), "the port's row");
    // "Port (default 18789; 0 = any free port)." under the title "Port".
    expect(row.textContent).toContain("Default 18789; 0 = any free port.");
    expect(row.textContent).not.toMatch(/Port \(default/);
    const gateway = defined(document.querySelector('section[data-setting="gateway"]'), "the gateway section");
    expect(gateway.querySelector("p")?.textContent).toBe("Where it listens, who may connect, and its limits.");
    // Rows are two columns: the words, then the control; text, number and choice controls fill it.
    for (const id of ["cfg-gateway-port", "cfg-gateway-bind", "cfg-logging-level"]) {
      const control = screen.getByTestId(id);
      expect(control.classList.contains("w-full"), id).toBe(true);
      const r = defined(control.closest("[data-setting]"), id);
      expect(r.className).toContain("sm:grid-cols-[minmax(0,1fr)_20rem]");
      expect(r.children.length, id).toBe(2);
    }
  });

  it("shows where a secret comes from, never its value", async () => {
    setup((cmd) =>
      cmd === "config_load" ? doc({ raw: "{ gateway: { auth: { token: { source: 'env', id: 'GW_TOKEN' }, password: { source: 'store', id: 'GW_PW' } } } }" }) : undefined,
    );
    render(() => <Config />);
    expect((await screen.findByTestId("cfg-gateway-auth-token-where")).textContent).toContain("From the environment: $GW_TOKEN");
    expect(screen.getByTestId("cfg-gateway-auth-password-where").textContent).toContain("In the keychain as GW_PW");
  });

  it("a provider key goes to the keychain and the file gets only the reference", async () => {
    const KEY = "sk-form-secret-0042";
    let refuse = true;
    const calls = setup((cmd, args) => {
      if (cmd === "config_load")
        return doc({ raw: "{ models: { providers: { openai: { baseUrl: 'https://api.openai.com/v1', models: [{ id: 'gpt-4.1' }] } } } }" });
      if (cmd === "config_store_secret") {
        if (refuse) {
          refuse = false;
          throw { kind: "keychain", message: "the system keychain is locked" };
        }
        return null;
      }
      void args;
    });
    render(() => <Config />);
    // The providers map is shown entry by entry, with its list of models item by item.
    expect((await screen.findByTestId("cfg-models-providers")).textContent).toContain("openai");
    expect(screen.getByTestId("cfg-models-providers-openai-models-item-0").textContent).toContain("Model gpt-4.1");
    expect(byTestId("cfg-models-providers-openai-models-0-id", HTMLInputElement).value).toBe("gpt-4.1");
    expect(screen.getByTestId("cfg-models-providers-openai-apiKey-where").textContent).toContain("Not set");
    fireEvent.click(screen.getByTestId("cfg-models-providers-openai-apiKey-set"));
    expect(byTestId("cfg-models-providers-openai-apiKey-name", HTMLInputElement).value).toBe("OPENAI_API_KEY");
    fireEvent.input(screen.getByTestId("cfg-models-providers-openai-apiKey-value"), { target: { value: KEY } });
    fireEvent.click(screen.getByTestId("cfg-models-providers-openai-apiKey-save"));
    // A refusal is shown and nothing changes; the second try stores it.
    expect((await screen.findByRole("alert")).textContent).toContain("keychain is locked");
    expect(byTestId("config-review", HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId("cfg-models-providers-openai-apiKey-save"));
    await waitFor(() => expect(screen.getByTestId("cfg-models-providers-openai-apiKey-where").textContent).toContain("In the keychain as OPENAI_API_KEY"));
    const stored = defined(calls.filter((c) => c.cmd === "config_store_secret").at(-1)).args;
    expect(stored).toEqual({ name: "OPENAI_API_KEY", value: KEY });
    fireEvent.click(screen.getByTestId("config-review"));
    const diff = await screen.findByTestId("diff");
    expect(diff.textContent).toContain("source: 'store'");
    expect(diff.textContent).toContain("id: 'OPENAI_API_KEY'");
    expect(document.body.innerHTML).not.toContain(KEY);
  });

  it("a change the core refuses is explained and leaves the text alone", async () => {
    setup((cmd) => {
      if (cmd === "config_load") return doc({ raw: "{ gateway: 7 }" });
      if (cmd === "config_edit") throw { kind: "invalidInput", message: "`gateway.port` cannot be set: `port` is inside a value that is not an object" };
    });
    render(() => <Config />);
    fireEvent.change(await screen.findByTestId("cfg-gateway-port"), { target: { value: "19000" } });
    const alert = await screen.findByTestId("form-error");
    expect(alert.textContent).toContain("Gateway › Port");
    expect(alert.textContent).toContain("inside a value that is not an object");
    expect(byTestId("config-review", HTMLButtonElement).disabled).toBe(true);
  });

  it("adds a provider by name (checking the name) and removes one; nothing is saved until review", async () => {
    const calls = setup((cmd) =>
      cmd === "config_load" ? doc({ raw: "{ models: { providers: { openai: { apiKey: { source: 'store', id: 'OPENAI_API_KEY' } } } } }" }) : undefined,
    );
    render(() => <Config />);
    fireEvent.click(await screen.findByTestId("cfg-models-providers-add"));
    const name = byTestId("cfg-models-providers-new-name", HTMLInputElement);
    const add = byTestId("cfg-models-providers-new-add", HTMLButtonElement);
    expect(add.disabled).toBe(true);
    for (const [bad, why] of [["lm studio", "spaces"], ["a/b", "“/”"], ["openai", "already exists"]]) {
      fireEvent.input(name, { target: { value: bad } });
      expect(screen.getByTestId("cfg-models-providers-new-problem").textContent).toContain(why);
      expect(add.disabled).toBe(true);
    }
    // Escape closes without adding.
    fireEvent.keyDown(name, { key: "Escape" });
    expect(screen.queryByTestId("cfg-models-providers-new-name")).toBeNull();
    fireEvent.click(screen.getByTestId("cfg-models-providers-add"));
    const again = byTestId("cfg-models-providers-new-name", HTMLInputElement);
    expect(again.value).toBe("");
    fireEvent.input(again, { target: { value: " lmstudio " } });
    fireEvent.submit(defined(again.closest("form")));
    // The new provider's own fields appear, ready to fill in.
    const baseUrl = await findByTestId("cfg-models-providers-lmstudio-baseUrl", HTMLInputElement);
    expect(defined(calls.find((c) => c.cmd === "config_edit")).args).toMatchObject({ path: ["models", "providers", "lmstudio"], value: "{}" });
    // Its wire format is a picker (an optional enum), and names read as words.
    const api = byTestId("cfg-models-providers-lmstudio-api", HTMLSelectElement);
    expect(api.tagName).toBe("SELECT");
    expect([...api.options].map((o) => o.value)).toContain("anthropic-messages");
    expect(document.querySelector('label[for="cfg-models-providers-lmstudio-baseUrl"]')?.textContent).toBe("Base URL");
    fireEvent.change(baseUrl, { target: { value: "http://127.0.0.1:1234/v1" } });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "config_edit").length).toBe(2));
    // Remove the other one.
    fireEvent.click(screen.getByTestId("cfg-models-providers-remove-openai"));
    await waitFor(() => expect(screen.queryByTestId("cfg-models-providers-entry-openai")).toBeNull());
    expect(defined(calls.filter((c) => c.cmd === "config_edit").at(-1)).args).toMatchObject({ path: ["models", "providers", "openai"], value: null });
    expect(calls.some((c) => c.cmd === "config_save")).toBe(false);
    fireEvent.click(screen.getByTestId("config-review"));
    const diff = await screen.findByTestId("diff");
    expect(diff.textContent).toContain("lmstudio");
    expect(diff.querySelector('[data-kind="del"]')?.textContent).toContain("openai");
  });

  it("edits a list of objects in the form: each item's fields, add (asking for its id), remove", async () => {
    const calls = setup((cmd) =>
      cmd === "config_load"
        ? doc({ raw: "{ models: { providers: { openai: { models: [{ id: 'gpt-4.1', cost: { cacheRead: 1 } }, { id: 'gpt-4o', name: 'GPT-4o' }] } } } }" })
        : undefined,
    );
    render(() => <Config />);
    const list = await screen.findByTestId("cfg-models-providers-openai-models");
    // No dead end: the list is edited here, not in Raw.
    expect(list.textContent).not.toContain("Raw");
    expect(list.textContent).toContain("Models this provider offers");
    expect(screen.getByTestId("cfg-models-providers-openai-models-item-1").textContent).toContain("Model gpt-4o");
    // Each item has its fields, nested groups and lists included; the id that names it first.
    const first = screen.getByTestId("cfg-models-providers-openai-models-item-0").querySelector("input");
    expect(first?.id).toBe("cfg-models-providers-openai-models-0-id");
    expect(byTestId("cfg-models-providers-openai-models-1-name", HTMLInputElement).value).toBe("GPT-4o");
    expect(byTestId("cfg-models-providers-openai-models-0-cost-cacheRead", HTMLInputElement).value).toBe("1");
    expect(screen.getByTestId("cfg-models-providers-openai-models-0-input")).toBeTruthy();
    // "Cache reads." under "Cache read" says nothing new: no help line.
    const cacheRead = defined(screen.getByTestId("cfg-models-providers-openai-models-0-cost-cacheRead").closest("[data-setting]"), "the cache read row");
    expect(cacheRead.querySelector("p")).toBeNull();

    // An edit in an item changes the list as a whole (the core edits objects by path).
    fireEvent.change(screen.getByTestId("cfg-models-providers-openai-models-1-name"), { target: { value: "GPT 4o" } });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "config_edit").length).toBe(1));
    let last = editArgs(defined(calls.filter((c) => c.cmd === "config_edit").at(-1)).args);
    expect(last.path).toEqual(["models", "providers", "openai", "models"]);
    expect(JSON.parse(last.value ?? "null")).toEqual([{ id: "gpt-4.1", cost: { cacheRead: 1 } }, { id: "gpt-4o", name: "GPT 4o" }]);
    // Two edits in a row, in two items: the second is made on the list the first left.
    fireEvent.change(screen.getByTestId("cfg-models-providers-openai-models-0-contextWindow"), { target: { value: "128000" } });
    fireEvent.change(screen.getByTestId("cfg-models-providers-openai-models-1-maxTokens"), { target: { value: "4096" } });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "config_edit").length).toBe(3));
    last = editArgs(defined(calls.filter((c) => c.cmd === "config_edit").at(-1)).args);
    expect(JSON.parse(last.value ?? "null")).toEqual([
      { id: "gpt-4.1", cost: { cacheRead: 1 }, contextWindow: 128000 },
      { id: "gpt-4o", name: "GPT 4o", maxTokens: 4096 },
    ]);
    // Clearing a field removes it from the item.
    fireEvent.change(screen.getByTestId("cfg-models-providers-openai-models-1-name"), { target: { value: "" } });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "config_edit").length).toBe(4));
    last = editArgs(defined(calls.filter((c) => c.cmd === "config_edit").at(-1)).args);
    expect(JSON.parse(last.value ?? "null")[1]).toEqual({ id: "gpt-4o", maxTokens: 4096 });

    // Add: the id first (a model needs one), checked against the list; Escape gives up.
    fireEvent.click(screen.getByTestId("cfg-models-providers-openai-models-add"));
    const value = byTestId("cfg-models-providers-openai-models-new-value", HTMLInputElement);
    expect(value.getAttribute("aria-label")).toBe("ID of the new model");
    const add = byTestId("cfg-models-providers-openai-models-new-add", HTMLButtonElement);
    expect(add.disabled).toBe(true);
    fireEvent.input(value, { target: { value: "gpt-4o" } });
    expect(screen.getByTestId("cfg-models-providers-openai-models-new-problem").textContent).toBe("“gpt-4o” is already in the list.");
    expect(add.disabled).toBe(true);
    fireEvent.keyDown(value, { key: "Escape" });
    expect(screen.queryByTestId("cfg-models-providers-openai-models-new-value")).toBeNull();
    expect(calls.filter((c) => c.cmd === "config_edit").length).toBe(4);
    fireEvent.click(screen.getByTestId("cfg-models-providers-openai-models-add"));
    const again = byTestId("cfg-models-providers-openai-models-new-value", HTMLInputElement);
    fireEvent.input(again, { target: { value: " o3-mini " } });
    fireEvent.submit(defined(again.closest("form")));
    expect((await findByTestId("cfg-models-providers-openai-models-2-id", HTMLInputElement)).value).toBe("o3-mini");
    last = editArgs(defined(calls.filter((c) => c.cmd === "config_edit").at(-1)).args);
    expect(JSON.parse(last.value ?? "null")[2]).toEqual({ id: "o3-mini" });

    // Remove the first: the others stay, in order; removing every item removes the key.
    fireEvent.click(screen.getByTestId("cfg-models-providers-openai-models-remove-0"));
    await waitFor(() => expect(screen.queryByTestId("cfg-models-providers-openai-models-item-2")).toBeNull());
    last = editArgs(defined(calls.filter((c) => c.cmd === "config_edit").at(-1)).args);
    expect(JSON.parse(last.value ?? "null").map((m: { id: string }) => m.id)).toEqual(["gpt-4o", "o3-mini"]);
    fireEvent.click(screen.getByTestId("cfg-models-providers-openai-models-remove-1"));
    await waitFor(() => expect(screen.queryByTestId("cfg-models-providers-openai-models-item-1")).toBeNull());
    fireEvent.click(screen.getByTestId("cfg-models-providers-openai-models-remove-0"));
    await waitFor(() => expect(screen.getByTestId("cfg-models-providers-openai-models").textContent).toContain("None yet."));
    expect(defined(calls.filter((c) => c.cmd === "config_edit").at(-1)).args).toMatchObject({ path: ["models", "providers", "openai", "models"], value: null });
    expect(calls.some((c) => c.cmd === "config_save")).toBe(false);
  });

  it("exec rules are edited in the form, named by their pattern, with their action as a choice", async () => {
    const calls = setup((cmd) => (cmd === "config_load" ? doc({ raw: "{ tools: { exec: { rules: [{ pattern: 'git status', action: 'allow' }] } } }" }) : undefined));
    render(() => <Config />);
    expect((await screen.findByTestId("cfg-tools-exec-rules-item-0")).textContent).toContain("Rule git status");
    expect(screen.getByLabelText("Remove rule git status")).toBeTruthy();
    const action = byTestId("cfg-tools-exec-rules-0-action", HTMLSelectElement);
    expect([...action.options].map((o) => o.value)).toEqual(["allow", "ask", "deny"]);
    fireEvent.change(action, { target: { value: "deny" } });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "config_edit").length).toBe(1));
    expect(JSON.parse(editArgs(defined(calls.find((c) => c.cmd === "config_edit")).args).value ?? "null")).toEqual([{ pattern: "git status", action: "deny" }]);
    // A new rule asks for its pattern (spaces are fine in a pattern).
    fireEvent.click(screen.getByTestId("cfg-tools-exec-rules-add"));
    const pattern = byTestId("cfg-tools-exec-rules-new-value", HTMLInputElement);
    expect(pattern.getAttribute("aria-label")).toBe("Pattern of the new rule");
    fireEvent.input(pattern, { target: { value: "npm run *" } });
    fireEvent.click(screen.getByTestId("cfg-tools-exec-rules-new-add"));
    expect((await screen.findByTestId("cfg-tools-exec-rules-item-1")).textContent).toContain("Rule npm run *");
    // An empty list says so and still offers Add; agents' legacy list names its items agents.
    expect(screen.getByTestId("cfg-agents-list").textContent).toContain("None yet.");
    expect(screen.getByTestId("cfg-agents-list-add").textContent).toContain("Add agent");
  });

  it("a token written in clear is moved to the keychain in one click", async () => {
    const calls = setup((cmd) => {
      if (cmd === "config_load") return doc({ raw: "{ gateway: { auth: { token: 'plain-token-123' } } }" });
      if (cmd === "config_store_secret") return null;
    });
    render(() => <Config />);
    expect((await screen.findByTestId("cfg-gateway-auth-token-where")).textContent).toContain("Written in the file in clear");
    fireEvent.click(screen.getByTestId("cfg-gateway-auth-token-move"));
    await waitFor(() => expect(screen.getByTestId("cfg-gateway-auth-token-where").textContent).toContain("In the keychain as GATEWAY_AUTH_TOKEN"));
    expect(defined(calls.find((c) => c.cmd === "config_store_secret")).args).toEqual({ name: "GATEWAY_AUTH_TOKEN", value: "plain-token-123" });
  });

  it("the Live / File only badge follows the gateway stopping and starting while the page is open", async () => {
    setup((cmd) => {
      if (cmd === "config_load") return doc();
    });
    await initGateway();
    render(() => <Config />);
    await waitFor(() => expect(screen.getByTestId("config-mode").textContent).toBe("Live"));
    await emit("gateway-status-changed", stopped);
    await waitFor(() => expect(screen.getByTestId("config-mode").textContent).toBe("File only"));
    await emit("gateway-status-changed", running);
    await waitFor(() => expect(screen.getByTestId("config-mode").textContent).toBe("Live"));
  });

  it("follows outside changes: reloads when clean, warns when the user is editing", async () => {
    let loads = 0;
    setup((cmd) => (cmd === "config_load" ? doc({ hash: `h${++loads}`, raw: loads > 1 ? RAW.replace("18789", "18800") : RAW }) : undefined));
    render(() => <WithToasts />);
    await screen.findByTestId("config-mode");
    await emit("gateway-config-changed", { hash: "h2", changed: ["gateway.port"], restartRequired: ["gateway.port"], source: "file" });
    expect(await screen.findByText(/changed outside this page and was reloaded: gateway.port/)).toBeTruthy();
    await waitFor(() => expect(byTestId("cfg-gateway-port", HTMLInputElement).value).toBe("18800"));
    await typeInto(RAW.replace("18789", "19000"));
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

  it("lists OpenClaw settings Tidepool does not use yet as a calm note that opens", async () => {
    setup((cmd) => {
      if (cmd === "config_load") return doc({ unsupported: ["channels.telegram", "talk.voiceId", "browser.enabled"] });
    });
    await initGateway();
    render(() => <Config />);
    const note = await screen.findByTestId("config-unsupported");
    expect(note.getAttribute("role")).toBe("note");
    expect(note.textContent).toContain("3 OpenClaw settings are not used by Tidepool yet");
    // Not an error, and folded until asked.
    expect(note.closest('[role="alert"]')).toBeNull();
    expect(screen.queryByTestId("config-unsupported-list")).toBeNull();
    const toggle = screen.getByTestId("config-unsupported-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    const items = [...screen.getByTestId("config-unsupported-list").querySelectorAll("li")].map((li) => li.textContent);
    expect(items).toEqual(["channels.telegram", "talk.voiceId", "browser.enabled"]);
    fireEvent.click(toggle);
    expect(screen.queryByTestId("config-unsupported-list")).toBeNull();
  });

  it("says one setting in the singular, and nothing when all are used", async () => {
    let unsupported = ["talk.voiceId"];
    setup((cmd) => {
      if (cmd === "config_load") return doc({ unsupported });
    });
    await initGateway();
    const { unmount } = render(() => <Config />);
    expect((await screen.findByTestId("config-unsupported")).textContent).toContain("1 OpenClaw setting is not used by Tidepool yet");
    unmount();
    unsupported = [];
    render(() => <Config />);
    await screen.findByTestId("config-mode");
    expect(screen.queryByTestId("config-unsupported")).toBeNull();
  });
});
