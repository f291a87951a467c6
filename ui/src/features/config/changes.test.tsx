import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { ChangeSummary } from "./ChangeSummary";
import { ConfigForm, defaultText, withoutDefault } from "./ConfigForm";
import { summarizeChanges } from "./changes";

describe("config changes", () => {
  afterEach(cleanup);

  it("names each setting that changed, was added or removed, and never shows a credential", () => {
    const before = "// mine\n{ gateway: { port: 18789, auth: { token: 'old-secret' } }, logging: { level: 'info' } }";
    const after = "{ gateway: { port: 19000, auth: { token: 'new-secret' } }, agents: { defaults: { model: 'openai/gpt-5' } } }";
    expect(summarizeChanges(before, after)).toEqual([
      { path: "gateway.port", kind: "changed", before: "18789", after: "19000" },
      { path: "gateway.auth.token", kind: "changed", before: undefined, after: undefined },
      { path: "agents.defaults.model", kind: "added", after: "openai/gpt-5" },
      { path: "logging.level", kind: "removed", before: "info" },
    ]);
    expect(summarizeChanges("{}", "{ oops")).toBeNull();
    render(() => <ChangeSummary before={before} after={after} />);
    const text = screen.getByTestId("change-summary").textContent ?? "";
    expect(text).toContain("4 settings changed");
    expect(text).toContain("gateway.port18789 → 19000");
    expect(text).toContain("logging.levelremoved (back to its default)");
    expect(text).not.toContain("secret");
  });

  it("says defaults in words", () => {
    expect([defaultText(30000), defaultText(true), defaultText(["a", "b"]), defaultText(undefined), defaultText({})]).toEqual(["Default: 30000", "Default: on", "Default: a, b", null, null]);
  });

  it("edits a list of words in place: Enter adds, × removes, the last removal clears the key", () => {
    const schema = { properties: { agents: { properties: { defaults: { properties: { fallbacks: { type: "array", items: { type: "string" } } } } } } } };
    const changes: [string[], unknown][] = [];
    const [value, setValue] = [{ agents: { defaults: { fallbacks: ["openai/gpt-5"] } } }, (p: string[], v: unknown) => changes.push([p, v])];
    render(() => <ConfigForm schema={schema} value={value} onChange={setValue} />);
    const add = screen.getByTestId("cfg-agents-defaults-fallbacks-add");
    fireEvent.input(add, { target: { value: "anthropic/claude" } });
    fireEvent.keyDown(add, { key: "Enter" });
    fireEvent.click(screen.getByTestId("cfg-agents-defaults-fallbacks-remove-0"));
    expect(changes).toEqual([
      [["agents", "defaults", "fallbacks"], ["openai/gpt-5", "anthropic/claude"]],
      [["agents", "defaults", "fallbacks"], undefined],
    ]);
  });
});

describe("withoutDefault", () => {
  it.each([
    ["Recent conversation kept word for word, tokens (default 20000).", "Recent conversation kept word for word, tokens."],
    ["Most model calls in one turn (each tool round is one); default 12.", "Most model calls in one turn (each tool round is one)."],
    ["Where it listens (default: loopback).", "Where it listens."],
    ["Tokens left free for the reply.", "Tokens left free for the reply."],
    ["Cache the defaults of each provider.", "Cache the defaults of each provider."],
  ])("%s → %s", (help, want) => {
    expect(withoutDefault(help)).toBe(want);
  });
});
