import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defined } from "../../shared/test/dom";
import { ConfigForm, type FormApi } from "./ConfigForm";
import json from "./config-schema.json";
import { find, findables, highlight, settingMatches } from "./find";
import type { RootSchema } from "./schema";

/** The schema as the page has it (parsed from the gateway's text). */
const schema: RootSchema = JSON.parse(JSON.stringify(json));

const s = (path: string, title: string, description = "") => ({ path: path.split("."), title, description });

describe("settingMatches", () => {
  it("finds by title, key, path and the words of the help", () => {
    const port = s("gateway.port", "Port", "Port (default 18789; 0 = any free port).");
    expect(settingMatches(port, "port")).toBe(true);
    expect(settingMatches(port, "PORT")).toBe(true);
    expect(settingMatches(port, "gateway.port")).toBe(true);
    expect(settingMatches(port, "gateway.po")).toBe(true);
    expect(settingMatches(port, "free")).toBe(true);
    // Every word must be found somewhere.
    expect(settingMatches(port, "free port")).toBe(true);
    expect(settingMatches(port, "free zebra")).toBe(false);
    expect(settingMatches(s("models.providers.x.maxTokens", "Max tokens"), "maxtokens")).toBe(true);
  });

  it("does not find a word inside another word of the help, nor a group's path in its children", () => {
    expect(settingMatches(s("gateway.bind", "Bind", "Which transport to use."), "port")).toBe(false);
    expect(settingMatches(s("gateway.auth", "Auth"), "gateway.auth")).toBe(true);
    expect(settingMatches(s("gateway.auth.mode", "Mode"), "gateway.auth")).toBe(false);
    expect(settingMatches(s("gateway.auth.mode", "Mode"), "auth.mode")).toBe(true);
    // The word "gateway" is in the path of every gateway setting but names only the section.
    expect(settingMatches(s("gateway.port", "Port"), "gateway")).toBe(false);
  });

  it("matches nothing for an empty query", () => {
    expect(settingMatches(s("gateway.port", "Port"), "  ")).toBe(false);
    expect(find(schema, {}, "   ")).toBeNull();
  });
});

describe("find", () => {
  it("lists matches in the form's order with every group on the way", () => {
    const f = defined(find(schema, {}, "gateway.auth.mode"));
    expect(f.matches).toEqual([["gateway", "auth", "mode"]]);
    expect([...f.onTheWay].map((k) => k.split("\u0000").join("."))).toEqual(["gateway", "gateway.auth", "gateway.auth.mode"]);
  });

  it("looks into map entries and list items, by their names too", () => {
    const value = { models: { providers: { lmstudio: { models: [{ id: "qwen3-coder" }] } } } };
    const all = findables(schema, value).map((x) => x.path.join("."));
    expect(all).toContain("models.providers.lmstudio.baseUrl");
    expect(all).toContain("models.providers.lmstudio.models.0.id");
    expect(defined(find(schema, value, "lmstudio")).matches).toEqual([["models", "providers", "lmstudio"]]);
    expect(defined(find(schema, value, "qwen3")).matches).toEqual([["models", "providers", "lmstudio", "models", "0"]]);
  });
});

describe("highlight", () => {
  it("cuts a text into matched and other parts, case-insensitively, for every word", () => {
    expect(highlight("Max payload", "pay")).toEqual([
      { text: "Max ", hit: false },
      { text: "pay", hit: true },
      { text: "load", hit: false },
    ]);
    expect(highlight("Port of the port", "PORT")).toEqual([
      { text: "Port", hit: true },
      { text: " of the ", hit: false },
      { text: "port", hit: true },
    ]);
    expect(highlight("Drain timeout", "time drain")).toEqual([
      { text: "Drain", hit: true },
      { text: " ", hit: false },
      { text: "time", hit: true },
      { text: "out", hit: false },
    ]);
    expect(highlight("Port", "")).toEqual([{ text: "Port", hit: false }]);
  });
});

describe("the form's search and section nav", () => {
  afterEach(cleanup);

  function view(value: Record<string, unknown> = { gateway: { port: 18789 } }) {
    let api: FormApi | undefined;
    const onChange = vi.fn();
    render(() => <ConfigForm schema={schema} value={value} onChange={onChange} onReady={(a) => (api = a)} />);
    return { api: () => defined(api, "the form's api"), onChange };
  }
  const findBox = () => screen.getByTestId("config-find");
  const type = (q: string) => fireEvent.input(findBox(), { target: { value: q } });
  const sectionsShown = () => [...document.querySelectorAll("section[data-setting]")].map((e) => e.getAttribute("data-setting"));

  it("has one nav entry per section, the first current; a click goes to the section and focuses it", () => {
    view();
    const nav = screen.getByRole("navigation", { name: "Sections" });
    const entries = [...nav.querySelectorAll("button")];
    expect(entries.map((b) => b.textContent)).toEqual(["Agents", "Gateway", "Logging", "Models", "Tools"]);
    expect(sectionsShown()).toEqual(["agents", "gateway", "logging", "models", "tools"]);
    expect(screen.getByTestId("config-nav-agents").getAttribute("aria-current")).toBe("location");
    const scrolled = vi.fn();
    const logging = defined(document.querySelector<HTMLElement>('section[data-setting="logging"]'));
    logging.scrollIntoView = scrolled;
    fireEvent.click(screen.getByTestId("config-nav-logging"));
    expect(scrolled).toHaveBeenCalledWith({ block: "start" });
    expect(document.activeElement).toBe(logging);
    expect(screen.getByTestId("config-nav-logging").getAttribute("aria-current")).toBe("location");
    expect(screen.getByTestId("config-nav-agents").getAttribute("aria-current")).toBeNull();
  });

  it("moves between nav entries with the arrow keys, Home and End", () => {
    view();
    const agents = screen.getByTestId("config-nav-agents");
    agents.focus();
    fireEvent.keyDown(agents, { key: "ArrowDown" });
    expect(document.activeElement).toBe(screen.getByTestId("config-nav-gateway"));
    fireEvent.keyDown(document.activeElement ?? agents, { key: "End" });
    expect(document.activeElement).toBe(screen.getByTestId("config-nav-tools"));
    fireEvent.keyDown(document.activeElement ?? agents, { key: "ArrowDown" });
    expect(document.activeElement).toBe(agents);
    fireEvent.keyDown(agents, { key: "ArrowUp" });
    expect(document.activeElement).toBe(screen.getByTestId("config-nav-tools"));
  });

  it("marks the section in view as the user scrolls", () => {
    view();
    const scroller = screen.getByTestId("config-sections");
    const tops: Record<string, number> = { agents: -900, gateway: -300, logging: 10, models: 400, tools: 900 };
    for (const el of scroller.querySelectorAll<HTMLElement>("section[data-setting]")) {
      const top = tops[el.dataset.setting ?? ""];
      el.getBoundingClientRect = () => ({ top, bottom: top + 100, left: 0, right: 0, width: 0, height: 100, x: 0, y: top, toJSON: () => ({}) });
    }
    fireEvent.scroll(scroller);
    expect(screen.getByTestId("config-nav-logging").getAttribute("aria-current")).toBe("location");
    // After a jump from the nav, its section stays current until the user scrolls again.
    fireEvent.click(screen.getByTestId("config-nav-tools"));
    fireEvent.scroll(scroller);
    expect(screen.getByTestId("config-nav-tools").getAttribute("aria-current")).toBe("location");
    fireEvent.wheel(scroller);
    fireEvent.scroll(scroller);
    expect(screen.getByTestId("config-nav-logging").getAttribute("aria-current")).toBe("location");
  });

  it("filters by name, marks the words, counts per section and says where each one is", () => {
    view();
    type("drain");
    expect(screen.getByTestId("config-find-count").textContent).toBe("1 setting matches · Enter goes to each");
    expect(sectionsShown()).toEqual(["gateway"]);
    const field = screen.getByTestId("cfg-gateway-drainTimeoutMs");
    const row = defined(field.closest("[data-setting]"));
    expect(row.querySelector("label mark")?.textContent).toBe("Drain");
    expect(row.querySelector("[data-part=path]")?.textContent).toBe("gateway.drainTimeoutMs");
    // Only the match: the gateway's other settings are hidden.
    expect(screen.queryByTestId("cfg-gateway-port")).toBeNull();
    // The nav counts matches and turns off the sections without any.
    expect(screen.getByTestId("config-nav-gateway").textContent).toBe("Gateway1");
    expect(screen.getByTestId<HTMLButtonElement>("config-nav-agents").disabled).toBe(true);
  });

  it("finds by path and by the words of the help; a matched group shows all of it", () => {
    view();
    type("gateway.port");
    expect(screen.getByTestId("cfg-gateway-port")).toBeTruthy();
    expect(screen.getByTestId("config-find-count").textContent).toContain("1 setting matches");
    type("shutdown");
    // "How long in-flight requests may take to finish on shutdown": the help, not the title.
    expect(screen.getByTestId("cfg-gateway-drainTimeoutMs")).toBeTruthy();
    expect(defined(screen.getByTestId("cfg-gateway-drainTimeoutMs").closest("[data-setting]")).querySelector("p mark")?.textContent).toBe("shutdown");
    type("gateway.auth");
    for (const id of ["cfg-gateway-auth-mode", "cfg-gateway-auth-token", "cfg-gateway-auth-password"]) expect(screen.getByTestId(id), id).toBeTruthy();
  });

  it("says when nothing matches, and Clear brings every setting back with the focus in the box", () => {
    view();
    type("zebra");
    const empty = screen.getByTestId("config-find-empty");
    expect(empty.textContent).toContain("No setting matches “zebra”");
    expect(sectionsShown()).toEqual([]);
    expect(screen.getByTestId("config-find-count").textContent).toBe("No setting matches");
    fireEvent.click(screen.getByTestId("config-find-clear"));
    expect(screen.queryByTestId("config-find-empty")).toBeNull();
    expect(sectionsShown()).toHaveLength(5);
    expect(document.activeElement).toBe(findBox());
    expect((findBox() as HTMLInputElement).value).toBe("");
    expect(screen.getByTestId("config-find-count").textContent).toBe("");
  });

  it("Escape and the × button clear the search; Ctrl+F in the form goes back to it", () => {
    view();
    type("port");
    const esc = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    findBox().dispatchEvent(esc);
    expect(esc.defaultPrevented).toBe(true);
    expect(sectionsShown()).toHaveLength(5);
    type("port");
    fireEvent.click(screen.getByLabelText("Clear the search"));
    expect(sectionsShown()).toHaveLength(5);
    screen.getByTestId("cfg-gateway-port").focus();
    fireEvent.keyDown(screen.getByTestId("cfg-gateway-port"), { key: "f", ctrlKey: true });
    expect(document.activeElement).toBe(findBox());
  });

  it("Enter goes to each match in turn and focuses it, Shift+Enter back; the count says which", () => {
    view();
    type("timeout");
    const count = () => screen.getByTestId("config-find-count").textContent;
    const n = Number(/^(\d+)/.exec(count() ?? "")?.[1]);
    expect(n).toBeGreaterThan(1);
    fireEvent.keyDown(findBox(), { key: "Enter" });
    expect(count()).toContain(`1 of ${n}`);
    const first = document.activeElement;
    expect(first?.closest("[data-setting]")?.classList.contains("tp-flash")).toBe(true);
    findBox().focus();
    fireEvent.keyDown(findBox(), { key: "Enter" });
    expect(count()).toContain(`2 of ${n}`);
    expect(document.activeElement).not.toBe(first);
    findBox().focus();
    fireEvent.keyDown(findBox(), { key: "Enter", shiftKey: true });
    expect(count()).toContain(`1 of ${n}`);
    expect(document.activeElement).toBe(first);
    // Enter with no match does nothing.
    type("zebra");
    findBox().focus();
    fireEvent.keyDown(findBox(), { key: "Enter" });
    expect(document.activeElement).toBe(findBox());
  });

  it("shows matching list items and map entries, with their names marked", () => {
    view({ models: { providers: { openai: { models: [{ id: "gpt-4.1" }, { id: "o3-mini" }] } } } });
    type("o3");
    expect(screen.getByTestId("cfg-models-providers-openai-models-item-1").querySelector("mark")?.textContent).toBe("o3");
    // The item matched: all of its fields show; the other item does not.
    expect(screen.getByTestId("cfg-models-providers-openai-models-1-contextWindow")).toBeTruthy();
    expect(screen.queryByTestId("cfg-models-providers-openai-models-item-0")).toBeNull();
    type("openai");
    expect(screen.getByTestId("cfg-models-providers-entry-openai")).toBeTruthy();
    expect(screen.getByTestId("cfg-models-providers-openai-baseUrl")).toBeTruthy();
  });

  it("reveal: clears a search that hides the setting, then focuses it and says false for one it does not show", () => {
    const { api } = view();
    type("drain");
    expect(screen.queryByTestId("cfg-gateway-port")).toBeNull();
    expect(api().reveal(["gateway", "port"])).toBe(true);
    expect((findBox() as HTMLInputElement).value).toBe("");
    expect(document.activeElement?.id).toBe("cfg-gateway-port");
    expect(document.activeElement?.classList.contains("tp-flash")).toBe(true);
    expect(screen.getByTestId("config-nav-gateway").getAttribute("aria-current")).toBe("location");
    expect(api().reveal(["nowhere", "at-all"])).toBe(false);
  });
});
