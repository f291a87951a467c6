import { describe, expect, it } from "vitest";
import { defined } from "../../shared/test/dom";
import { applyEdit, fixEdit, type Suggestion, suggestion } from "./quickfix";

describe("suggestion", () => {
  it("reads the gateway's unknown setting, with or without the config's place in front", () => {
    expect(suggestion("at `gateway.prot`: unknown setting `prot`: neither Tidepool nor OpenClaw has it (did you mean `port`?)")).toEqual({ from: "prot", to: "port", kind: "key" });
    expect(suggestion("config tidepool.json:3:15: at `gateway.prot`: unknown field (did you mean `port`?)")).toEqual({ from: "prot", to: "port", kind: "key" });
    expect(suggestion("config /h/t.json:1:3: at `agents.list[0].modle`: unknown field (did you mean `model`?)")).toEqual({ from: "modle", to: "model", kind: "key" });
  });

  it("reads an unknown value (a variant) as a value to replace", () => {
    expect(suggestion("at `gateway.auth.mode`: unknown variant `tokne`, expected one of `token`, `password` (did you mean `token`?)")).toEqual({
      from: "tokne",
      to: "token",
      kind: "value",
    });
  });

  it("offers nothing without a suggestion, or for a message of another kind", () => {
    expect(suggestion("at `gateway.zzzzzz`: unknown setting `zzzzzz`: neither Tidepool nor OpenClaw has it")).toBeNull();
    expect(suggestion("at `gateway.port`: invalid type: string \"x\", expected u16")).toBeNull();
    expect(suggestion("something else (did you mean `port`?)")).toBeNull();
    expect(suggestion("")).toBeNull();
  });
});

describe("fixEdit", () => {
  const key: Suggestion = { from: "prot", to: "port", kind: "key" };
  const fix = (text: string, s: Suggestion, line: number, column?: number) => {
    const e = fixEdit(text, s, line, column);
    return e ? applyEdit(text, e) : null;
  };

  it("renames the key on its line, keeping its quotes and everything else", () => {
    const text = "// mine\n{\n  gateway: { prot: 18789 }, // the port\n}\n";
    expect(fix(text, key, 3, 15)).toBe("// mine\n{\n  gateway: { port: 18789 }, // the port\n}\n");
    expect(fix('{\n  "gateway": { "prot" : 1 }\n}', key, 2)).toBe('{\n  "gateway": { "port" : 1 }\n}');
    expect(fix("{ gateway: { 'prot': 1 } }", key, 1)).toBe("{ gateway: { 'port': 1 } }");
  });

  it("changes only that line, and on it the key, not a value or a longer key that contains it", () => {
    const text = "{\n  a: { prot: 'prot', protocol: 1 },\n  b: { prot: 2 },\n}";
    expect(fix(text, key, 2)).toBe("{\n  a: { port: 'prot', protocol: 1 },\n  b: { prot: 2 },\n}");
    expect(fix(text, key, 3)).toBe("{\n  a: { prot: 'prot', protocol: 1 },\n  b: { port: 2 },\n}");
  });

  it("picks the one at the column when the line has the key twice", () => {
    const text = "{ a: { prot: 1 }, b: { prot: 2 } }";
    expect(fix(text, key, 1, text.lastIndexOf("prot") + 1)).toBe("{ a: { prot: 1 }, b: { port: 2 } }");
    expect(fix(text, key, 1, 1)).toBe("{ a: { port: 1 }, b: { prot: 2 } }");
  });

  it("quotes a new key that cannot be bare", () => {
    expect(fix("{ x: { tool_nme: 1 } }", { from: "tool_nme", to: "tool-name", kind: "key" }, 1)).toBe('{ x: { "tool-name": 1 } }');
  });

  it("replaces a string value, in its own quotes", () => {
    const s: Suggestion = { from: "tokne", to: "token", kind: "value" };
    expect(fix("{ gateway: { auth: { mode: 'tokne' } } }", s, 1)).toBe("{ gateway: { auth: { mode: 'token' } } }");
    expect(fix('{ "mode": "tokne" }', s, 1)).toBe('{ "mode": "token" }');
    // The key of the same name is not a value.
    expect(fix("{ tokne: 1 }", s, 1)).toBeNull();
    expect(fix("{ 'tokne': 1 }", s, 1)).toBeNull();
    expect(fix("{ 'tokne': 'tokne' }", s, 1)).toBe("{ 'tokne': 'token' }");
  });

  it("gives nothing when the line no longer has the key, or there is no such line", () => {
    expect(fix("{ gateway: { port: 1 } }", key, 1)).toBeNull();
    expect(fix("{ gateway: { prot: 1 } }", key, 0)).toBeNull();
    expect(fix("{ gateway: { prot: 1 } }", key, 9)).toBeNull();
    expect(fixEdit("", key, 1)).toBeNull();
  });

  it("gives offsets into the whole text", () => {
    const text = "{\r\n  gateway: { prot: 1 },\r\n}";
    const e = defined(fixEdit(text, key, 2));
    expect(text.slice(e.from, e.to)).toBe("prot");
    expect(applyEdit(text, e)).toBe("{\r\n  gateway: { port: 1 },\r\n}");
  });
});
