import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GatewayMetrics, LogLine } from "../../bindings";
import { initGateway, resetGatewayStore } from "../../shared/lib/gateway";
import { running } from "../../shared/test/fixtures";
import { applyPending, resetApprovalsStore } from "../approvals/store";
import { Dashboard } from "./Page";
import { compact, providerHealth, recentErrors, requestRates, weekProviders } from "./Tiles";

const sample = (ts: number, requests: number, rss = 40_000_000, over: Partial<GatewayMetrics> = {}): GatewayMetrics => ({
  ts,
  requests,
  rssBytes: rss,
  connections: 1,
  uptimeMs: ts,
  activeRuns: 0,
  runs: 0,
  pendingApprovals: 0,
  providers: [],
  ...over,
});
const vitals = (provider: string, lastOkMs: number | null, lastErrorMs: number | null = null, errors = 0, lastError: string | null = null) => ({ provider, lastOkMs, lastErrorMs, lastError, errors });
const line = (time: string, level: string, message: string): LogLine => ({ seq: 0, time, level, target: "t", message, fields: [] });

describe("dashboard figures", () => {
  it("turns the request counter into requests per minute, starting over after a restart", () => {
    expect(requestRates([sample(0, 10), sample(2000, 14), sample(4000, 14), sample(6000, 3)])).toEqual([120, 0, 90]);
    expect(requestRates([sample(0, 5)])).toEqual([]);
  });

  it("says how the provider used last is doing", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    const min = 60_000;
    expect(providerHealth([], now)).toBeNull();
    expect(providerHealth([vitals("openai", null)], now)).toBeNull();
    // The most recent call decides, across providers.
    const h = providerHealth([vitals("openai", now - 30 * min), vitals("anthropic", now - 2 * min, now - 10 * min, 1, "rate_limit")], now);
    expect([h?.provider.provider, h?.state, h?.at]).toEqual(["anthropic", "answering", now - 2 * min]);
    expect(providerHealth([vitals("anthropic", now - 10 * min, now - min, 3, "auth")], now)?.state).toBe("failing");
    expect(providerHealth([vitals("anthropic", now - 20 * min)], now)?.state).toBe("quiet");
  });

  it("orders a week's providers by cost, then tokens, the same for both charts", () => {
    const day = (date: string, ...parts: [string, number, number][]) => ({ date, tokens: 0, costUsd: 0, byProvider: parts.map(([provider, tokens, costUsd]) => ({ provider, tokens, costUsd })) });
    expect(weekProviders([])).toEqual([]);
    expect(weekProviders([day("2026-12-01", ["ollama", 900, 0], ["openai", 10, 0.2]), day("2026-12-02", ["anthropic", 50, 0.5], ["openai", 10, 0.2])])).toEqual(["anthropic", "openai", "ollama"]);
  });

  it("writes counts short", () => {
    expect([compact(7), compact(1234), compact(56_000), compact(2_500_000)]).toEqual(["7", "1.2k", "56k", "2.5M"]);
  });

  it("counts the errors of the last hour, newest first", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    const got = recentErrors(
      [line("2026-12-03T10:30:00Z", "error", "old"), line("2026-12-03T11:30:00Z", "error", "a"), line("2026-12-03T11:40:00Z", "warn", "w"), line("2026-12-03T11:50:00Z", "error", "b")],
      now,
    );
    expect(got.map((l) => l.message)).toEqual(["b", "a"]);
  });
});

describe("Dashboard tiles", () => {
  beforeEach(() => {
    resetGatewayStore();
    resetApprovalsStore();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  function setup(over: Record<string, unknown> = {}) {
    const now = Date.now();
    mockIPC(
      (cmd) => {
        if (cmd in over) {
          const v = over[cmd];
          if (v instanceof Error) throw { kind: "notConnected", message: v.message };
          return v;
        }
        if (cmd === "gateway_status") return running;
        if (cmd === "gateway_metrics") return [sample(now - 4000, 100, 30_000_000), sample(now - 2000, 102, 50_000_000), sample(now, 106, 40_000_000)];
        if (cmd === "usage_recent")
          return { days: [...Array(6)].map((_, i) => ({ date: `2026-11-2${i}`, tokens: 1000, costUsd: 0.5 })).concat([{ date: "2026-11-26", tokens: 12_300, costUsd: 1.25 }]), unpricedCalls: 0 };
        if (cmd === "config_load")
          return { path: "/x/tidepool.json", exists: true, raw: "{ agents: { defaults: { model: 'openai/gpt-5-mini', workspace: '~/notes' } } }", hash: "h", live: true, problem: null, unsupported: ["channels.telegram"] };
      },
      { shouldMockEvents: true },
    );
  }

  it("shows requests per minute, tokens and cost today with the week, memory with its range, and what is in use", async () => {
    setup();
    const went: string[] = [];
    render(() => <Dashboard onGo={(p) => went.push(p)} />);
    await initGateway();
    expect((await screen.findByTestId("tile-requests")).textContent).toContain("120/min");
    await waitFor(() => expect(screen.getByTestId("tile-tokens").textContent).toContain("12k"));
    expect(screen.getByTestId("tile-tokens").textContent).toContain("18k this week");
    expect(screen.getByTestId("tile-cost").textContent).toContain("$1.25");
    expect(screen.getByTestId("tile-cost").textContent).toContain("$4.25 this week");
    expect(screen.getByTestId("card-memory").textContent).toMatch(/30\.0 MB – 50\.0 MB over 1 min/);
    await waitFor(() => expect(screen.getByTestId("in-use-model").textContent).toBe("openai/gpt-5-mini"));
    expect(screen.getByTestId("in-use-workspace").textContent).toBe("~/notes");
    // The duplicated restart button is gone (the header has one).
    expect(screen.queryByText("Restart gateway")).toBeNull();
    // Needs attention: the config setting Tidepool does not act on, which opens Config.
    fireEvent.click(await screen.findByTestId("attention-config"));
    expect(went).toEqual(["config"]);
  });

  it("lists waiting approvals first and says so when nothing needs the user", async () => {
    setup({ config_load: { path: "/x", exists: true, raw: "{}", hash: "h", live: true, problem: null, unsupported: [] } });
    render(() => <Dashboard />);
    await initGateway();
    expect(await screen.findByTestId("attention-none")).toBeTruthy();
    applyPending([
      {
        id: "a1",
        command: "ls",
        cwd: null,
        agentId: "main",
        sessionKey: null,
        requestedBy: "agent:main",
        status: "pending",
        decision: null,
        reason: null,
        resolvedBy: null,
        rulesAdded: [],
        createdAtMs: Date.now(),
        expiresAtMs: Date.now() + 60_000,
        resolvedAtMs: null,
        verdict: "ask",
        verdictReason: "no rule allows ls",
        mode: "ask",
        parts: [],
        suggestedRules: ["ls"],
      },
    ]);
    expect((await screen.findByTestId("attention-approvals")).textContent).toContain("1 command waiting for your approval");
  });

  it("shows runs in progress, approvals waiting, and whether the provider answered recently", async () => {
    const now = Date.now();
    setup({
      gateway_metrics: [
        sample(now - 4000, 100, 30_000_000, { activeRuns: 0, runs: 4 }),
        sample(now - 2000, 101, 30_000_000, { activeRuns: 2, runs: 4, pendingApprovals: 1, providers: [vitals("anthropic", now - 3 * 60_000)] }),
      ],
    });
    render(() => <Dashboard />);
    await initGateway();
    const runs = await screen.findByTestId("tile-runs");
    expect(runs.textContent).toContain("2 running");
    expect(runs.textContent).toContain("4 since start · 1 approval waiting");
    expect(screen.getByTestId("tile-provider").textContent).toContain("Answering");
    expect(screen.getByTestId("tile-provider").textContent).toContain("anthropic answered 3 min ago");
  });

  it("says when the provider's last call failed, and before any call that there is none", async () => {
    const now = Date.now();
    setup({ gateway_metrics: [sample(now - 2000, 1, 30_000_000, { providers: [vitals("openai", now - 600_000, now - 60_000, 2, "auth")] })] });
    render(() => <Dashboard />);
    await initGateway();
    const p = await screen.findByTestId("tile-provider");
    expect(p.textContent).toContain("Failing");
    expect(p.textContent).toContain("openai: auth 1 min ago · 2 errors since start");
    cleanup();
    resetGatewayStore();
    setup({ gateway_metrics: [sample(now, 1)] });
    render(() => <Dashboard />);
    await initGateway();
    expect((await screen.findByTestId("tile-provider")).textContent).toContain("No calls yet");
    expect(screen.getByTestId("tile-runs").textContent).toContain("Idle");
  });

  it("draws tokens and cost per day by provider, with a colour key when there are several", async () => {
    const days = [...Array(6)].map((_, i) => ({ date: `2026-11-2${i}`, tokens: 0, costUsd: 0, byProvider: [] }));
    days.push({
      date: "2026-11-26",
      tokens: 3000,
      costUsd: 1.5,
      byProvider: [
        { provider: "anthropic", tokens: 1000, costUsd: 1.2 },
        { provider: "openai", tokens: 2000, costUsd: 0.3 },
      ],
    } as never);
    setup({ usage_recent: { days, unpricedCalls: 0 } });
    render(() => <Dashboard />);
    await initGateway();
    const cost = await screen.findByTestId("tile-cost");
    await waitFor(() => expect(cost.querySelectorAll("rect[data-series]").length).toBe(2));
    const today = cost.querySelector('g[data-column="2026-11-26"]');
    expect([...(today?.querySelectorAll("rect") ?? [])].map((r) => r.dataset.series)).toEqual(["anthropic", "openai"]);
    // The costlier provider draws the taller part of the bar.
    const [a, o] = [...(today?.querySelectorAll("rect") ?? [])].map((r) => Number(r.getAttribute("height")));
    expect(a).toBeGreaterThan(o * 3);
    expect(cost.querySelector('[data-testid="legend"]')?.textContent).toBe("anthropicopenai");
    // Days without use keep their place as a baseline.
    expect(cost.querySelectorAll("line").length).toBe(6);
  });

  it("says the usage is not available when the gateway cannot tell", async () => {
    setup({ usage_recent: new Error("not connected") });
    render(() => <Dashboard />);
    await initGateway();
    await waitFor(() => expect(screen.getByTestId("tile-tokens").textContent).toContain("Not available"));
  });
});
