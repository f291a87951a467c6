import { describe, expect, it } from "vitest";
import { countdown, formatMoney, relativeTime, shortPath } from "./format";

describe("formatMoney", () => {
  it.each([
    [0, "$0.00"],
    [0.0042, "<$0.01"],
    [1.5, "$1.50"],
    [1234.5, "$1,234.50"],
    [null, "—"],
    [undefined, "—"],
  ])("%j → %s", (v, want) => {
    expect(formatMoney(v)).toBe(want);
  });
});

describe("relativeTime", () => {
  const now = Date.UTC(2026, 10, 21, 12, 0, 0);
  const ago = (s: number) => now - s * 1000;
  it.each([
    [ago(10), "just now"],
    [ago(60), "1 min ago"],
    [ago(3 * 60 + 10), "3 min ago"],
    [ago(2 * 3600), "2 h ago"],
    [ago(26 * 3600), "yesterday"],
    [ago(5 * 86400), "5 days ago"],
    [now + 3 * 60_000, "in 3 min"],
    [now + 5_000, "in a moment"],
  ])("%d → %s", (ms, want) => {
    expect(relativeTime(ms, now)).toBe(want);
  });
  it("gives the date past a month", () => {
    expect(relativeTime(ago(90 * 86400), now)).toMatch(/2026/);
  });
});

describe("shortPath", () => {
  it.each([
    ["/home/me/.tidepool/workspace", "~/.tidepool/workspace"],
    ["/Users/ana/notes", "~/notes"],
    ["/root", "~"],
    ["/home/me/projects/acme/website/agents/workspace", "~/…/agents/workspace"],
    ["/home/me/a-very-long-folder-name-that-goes-on-and-on", "~/a-very-long-folder-name-that-goes-on-and-on"],
    ["/srv/tidepool/state/agents/main/workspace", "/…/main/workspace"],
    ["/opt/x", "/opt/x"],
    ["C:\\Users\\ana\\Documents\\Tidepool\\agents\\main\\workspace", "~\\…\\main\\workspace"],
  ])("%s → %s", (p, want) => {
    expect(shortPath(p)).toBe(want);
  });
});

describe("countdown", () => {
  it.each([
    [121, "2:01"],
    [45, "0:45"],
    [0, "0:00"],
    [-3, "0:00"],
    [3725, "1:02:05"],
  ])("%d s → %s", (s, want) => {
    expect(countdown(s)).toBe(want);
  });
});
