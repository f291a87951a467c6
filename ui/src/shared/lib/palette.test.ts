import { describe, expect, it } from "vitest";
import { filterItems, type PaletteItem, score } from "./palette";

const item = (label: string, group = "Pages", more: Partial<PaletteItem> = {}): PaletteItem => ({ id: label, group, label, run: () => {}, ...more });
const items = [
  item("Go to Dashboard"),
  item("Go to Config"),
  item("Restart the gateway", "Gateway", { keywords: "reload" }),
  item("Logging › Level", "Settings", { hint: "How much the gateway writes" }),
  item("Open “Trip planning”", "Conversations"),
];

describe("palette filter", () => {
  it.each([
    ["", ["Go to Dashboard", "Go to Config", "Restart the gateway", "Logging › Level", "Open “Trip planning”"]],
    ["dash", ["Go to Dashboard"]],
    ["conf", ["Go to Config"]],
    ["log lev", ["Logging › Level"]],
    ["reload", ["Restart the gateway"]],
    ["trip", ["Open “Trip planning”"]],
    ["settings", ["Logging › Level"]],
    ["gateway", ["Restart the gateway", "Logging › Level"]],
    ["zzz", []],
  ])("%j → %j", (q, want) => {
    expect(filterItems(items, q).map((i) => i.label)).toEqual(want);
  });

  it("keeps an entry its source already matched, below the others", () => {
    const found = item("Ideas", "Conversations", { prematched: true });
    expect(filterItems([found, item("Go to Ideas board")], "brainstorm").map((i) => i.label)).toEqual(["Ideas"]);
    expect(filterItems([found, item("Go to Ideas board")], "ideas").map((i) => i.label)).toEqual(["Ideas", "Go to Ideas board"]);
  });

  it("ranks a label match above a group or keyword match", () => {
    expect(score(item("Gateway port", "Settings"), "gateway")).toBeGreaterThan(score(item("Stop", "Gateway"), "gateway") ?? 0);
  });
});
