import { createResource, createSignal, For, type JSX, onCleanup, onMount, Show } from "solid-js";
import JSON5 from "json5";
import { commands, type DayUsage, type GatewayMetrics, type LogLine, type ProviderVitals } from "../../bindings";
import { bytes, exactTime, formatMoney, plural, relativeTime } from "../../shared/lib/format";
import { metrics, status } from "../../shared/lib/gateway";
import { Sparkline } from "../../shared/ui/Sparkline";
import { seriesFill, StackedBars } from "../../shared/ui/StackedBars";
import { TipText } from "../../shared/ui/Tooltip";
import { pending } from "../approvals/store";
import { lines } from "../logs/store";
import { info } from "../settings/store";
import { ChevronRight, CircleAlert, CircleCheck, ShieldCheck, TriangleAlert } from "../../shared/ui/icons";

/** How often the week of usage is read again while the dashboard is open. */
const USAGE_REFRESH_MS = 60_000;

/** Requests per minute between consecutive samples (a restart, when the counter drops, starts
 *  over rather than going negative). */
export function requestRates(samples: readonly GatewayMetrics[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    const dt = b.ts - a.ts;
    if (dt <= 0) continue;
    const dn = b.requests >= a.requests ? b.requests - a.requests : b.requests;
    out.push((dn * 60_000) / dt);
  }
  return out;
}

/** A call older than this does not say whether the provider answers now. */
const PROVIDER_RECENT_MS = 15 * 60_000;

/** The provider the gateway used last, and how that went: answering (its last call worked),
 *  failing (its last call failed), or quiet (no call in the last 15 minutes). */
export function providerHealth(
  providers: readonly ProviderVitals[],
  now: number,
): { provider: ProviderVitals; state: "answering" | "failing" | "quiet"; at: number } | null {
  let best: { provider: ProviderVitals; at: number } | null = null;
  for (const p of providers) {
    const at = Math.max(p.lastOkMs ?? 0, p.lastErrorMs ?? 0);
    if (at > 0 && (!best || at > best.at)) best = { provider: p, at };
  }
  if (!best) return null;
  const failed = (best.provider.lastErrorMs ?? 0) > (best.provider.lastOkMs ?? 0);
  const state = failed ? "failing" : now - best.at > PROVIDER_RECENT_MS ? "quiet" : "answering";
  return { ...best, state };
}

/** The providers of a week of use, the most expensive first (then the most tokens): the order
 *  (and so the colours) both charts use. */
export function weekProviders(days: readonly DayUsage[]): string[] {
  const sum = new Map<string, { cost: number; tokens: number }>();
  for (const d of days)
    for (const p of d.byProvider ?? []) {
      const s = sum.get(p.provider) ?? { cost: 0, tokens: 0 };
      s.cost += p.costUsd ?? 0;
      s.tokens += p.tokens;
      sum.set(p.provider, s);
    }
  return [...sum.entries()].sort((a, b) => b[1].cost - a[1].cost || b[1].tokens - a[1].tokens || a[0].localeCompare(b[0])).map(([k]) => k);
}

/** One chart column per day: its `pick` by provider. */
function byDay(days: readonly DayUsage[], pick: (p: { tokens: number; costUsd: number | null }) => number) {
  return days.map((d) => ({ label: d.date, parts: Object.fromEntries((d.byProvider ?? []).map((p) => [p.provider, pick(p)])) }));
}

/** The colour key under a by-provider chart (shown when there is more than one provider). */
function Legend(props: { series: string[] }) {
  return (
    <Show when={props.series.length > 1}>
      <div class="mt-1 flex flex-wrap gap-x-2 gap-y-0.5 text-[11px] text-muted" data-testid="legend">
        <For each={props.series}>
          {(name, i) => (
            <span class="inline-flex items-center gap-1">
              <svg width="8" height="8" aria-hidden="true">
                <rect width="8" height="8" rx="2" class={seriesFill(i())} />
              </svg>
              {name}
            </span>
          )}
        </For>
      </div>
    </Show>
  );
}

/** "1.2k" style counts. */
export function compact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function Tile(props: { label: string; value: JSX.Element; sub?: JSX.Element; chart?: JSX.Element; testid?: string }) {
  return (
    <div class="rounded-lg border border-line bg-surface p-4 min-w-0 flex flex-col gap-1" data-testid={props.testid}>
      <div class="text-xs font-medium uppercase tracking-wide text-muted">{props.label}</div>
      <div class="text-xl font-semibold tabular-nums truncate">{props.value}</div>
      <Show when={props.sub}>
        <div class="text-xs text-muted truncate">{props.sub}</div>
      </Show>
      <Show when={props.chart}>
        <div class="mt-auto pt-2">{props.chart}</div>
      </Show>
    </div>
  );
}

/** The four figures people watch: traffic, tokens and cost today, memory. */
export function Tiles() {
  const [tick, setTick] = createSignal(0);
  onMount(() => {
    const t = setInterval(() => setTick((n) => n + 1), USAGE_REFRESH_MS);
    onCleanup(() => clearInterval(t));
  });
  const [usage] = createResource(tick, async () => {
    const r = await commands.usageRecent();
    return r.status === "ok" ? r.data : null;
  });
  const rates = () => requestRates(metrics());
  const rate = () => {
    const r = rates();
    return r.length ? r[r.length - 1] : null;
  };
  const memory = () => metrics().map((m) => m.rssBytes ?? 0).filter((v) => v > 0);
  const minutes = () => {
    const m = metrics();
    return m.length > 1 ? Math.max(1, Math.round((m[m.length - 1].ts - m[0].ts) / 60_000)) : 0;
  };
  const last = () => metrics().at(-1) ?? null;
  const health = () => providerHealth(last()?.providers ?? [], Date.now());
  const today = () => usage()?.days.at(-1) ?? null;
  const week = () => usage()?.days ?? [];
  const weekCost = () => week().reduce((n, d) => n + (d.costUsd ?? 0), 0);
  const providers = () => weekProviders(week());
  return (
    <div class="grid grid-cols-2 lg:grid-cols-3 gap-4">
      <Tile
        label="Requests"
        testid="tile-requests"
        value={rate() == null ? "—" : `${compact(rate() ?? 0)}/min`}
        sub={`${plural(status()?.restarts ?? 0, "restart")} · ${plural(metrics().at(-1)?.connections ?? 0, "client")}`}
        chart={<Sparkline values={rates()} width={200} height={32} fluid label="Requests per minute over the last minutes" />}
      />
      <Tile
        label="Tokens today"
        testid="tile-tokens"
        value={usage.loading && !usage() ? "…" : compact(today()?.tokens ?? 0)}
        sub={usage() ? `${compact(week().reduce((n, d) => n + d.tokens, 0))} this week` : usage.loading ? "" : "Not available"}
        chart={
          <>
            <StackedBars columns={byDay(week(), (p) => p.tokens)} series={providers()} label="Tokens per day by provider, the last 7 days" />
            <Legend series={providers()} />
          </>
        }
      />
      <Tile
        label="Cost today"
        testid="tile-cost"
        value={usage.loading && !usage() ? "…" : formatMoney(today()?.costUsd ?? 0)}
        sub={
          usage()
            ? `${formatMoney(weekCost())} this week${(usage()?.unpricedCalls ?? 0) > 0 ? ` · ${plural(usage()?.unpricedCalls ?? 0, "call")} without a price` : ""}`
            : ""
        }
        chart={
          <>
            <StackedBars columns={byDay(week(), (p) => p.costUsd ?? 0)} series={providers()} label="Cost per day by provider, the last 7 days" />
            <Legend series={providers()} />
          </>
        }
      />
      <Tile
        label="Memory"
        testid="card-memory"
        value={bytes(memory().at(-1) ?? null)}
        sub={
          memory().length > 1
            ? `${bytes(Math.min(...memory()))} – ${bytes(Math.max(...memory()))} over ${plural(minutes(), "min", "min")}`
            : "Measuring…"
        }
        chart={<Sparkline values={memory()} width={200} height={32} fluid label="Gateway memory over the last minutes" />}
      />
      <Tile
        label="Runs"
        testid="tile-runs"
        value={last() == null ? "—" : (last()?.activeRuns ?? 0) > 0 ? `${last()?.activeRuns} running` : "Idle"}
        sub={last() == null ? "" : `${compact(last()?.runs ?? 0)} since start · ${plural(last()?.pendingApprovals ?? 0, "approval")} waiting`}
        chart={<Sparkline values={metrics().map((m) => m.activeRuns)} width={200} height={32} fluid label="Chat runs in progress over the last minutes" />}
      />
      <Tile
        label="Provider"
        testid="tile-provider"
        value={
          <Show when={health()} fallback={<span class="text-muted">No calls yet</span>}>
            {(h) => (
              <span class={h().state === "failing" ? "text-err" : h().state === "answering" ? "text-ok" : ""}>
                {h().state === "failing" ? "Failing" : h().state === "answering" ? "Answering" : "Quiet"}
              </span>
            )}
          </Show>
        }
        sub={
          <Show when={health()} fallback="The first chat will tell">
            {(h) => (
              <TipText tip={exactTime(h().at)} class="rounded">
                {h().state === "failing"
                  ? `${h().provider.provider}: ${h().provider.lastError ?? "error"} ${relativeTime(h().at)} · ${plural(h().provider.errors, "error")} since start`
                  : `${h().provider.provider} answered ${relativeTime(h().at)}${h().provider.errors ? ` · ${plural(h().provider.errors, "error")} since start` : ""}`}
              </TipText>
            )}
          </Show>
        }
      />
    </div>
  );
}

/** The agent's model and workspace, read from the config file's text (what the next chat
 *  uses). */
export function InUse(props: { raw: string | null }) {
  const cfg = () => {
    if (!props.raw) return null;
    try {
      return JSON5.parse(props.raw);
    } catch {
      return null;
    }
  };
  const defaults = () => {
    const c: unknown = cfg();
    if (typeof c !== "object" || c === null || !("agents" in c)) return null;
    const a: unknown = c.agents;
    if (typeof a !== "object" || a === null || !("defaults" in a)) return null;
    const d: unknown = a.defaults;
    return typeof d === "object" && d !== null ? d : null;
  };
  const model = () => {
    const d = defaults();
    if (!d || !("model" in d)) return null;
    const m: unknown = d.model;
    if (typeof m === "string") return m;
    if (typeof m === "object" && m !== null && "primary" in m && typeof m.primary === "string") return m.primary;
    return null;
  };
  const workspace = () => {
    const d = defaults();
    return d && "workspace" in d && typeof d.workspace === "string" ? d.workspace : null;
  };
  return (
    <div class="rounded-lg border border-line bg-surface p-4 text-[13px] space-y-2" data-testid="in-use">
      <div class="text-xs font-medium uppercase tracking-wide text-muted">In use</div>
      <div class="flex gap-2">
        <span class="text-muted w-24 shrink-0">Model</span>
        <span class="font-mono truncate" data-testid="in-use-model">
          {model() ?? "the first configured provider's"}
        </span>
      </div>
      <div class="flex gap-2">
        <span class="text-muted w-24 shrink-0">Workspace</span>
        <span class="font-mono truncate" data-testid="in-use-workspace">
          {workspace() ?? (info()?.stateDir ? `${info()?.stateDir}/workspace` : "workspace")}
        </span>
      </div>
    </div>
  );
}

/** Errors among the lines of the last hour, newest first. */
export function recentErrors(all: readonly LogLine[], now: number): LogLine[] {
  const since = now - 3_600_000;
  return all.filter((l) => l.level === "error" && Date.parse(l.time) >= since).reverse();
}

/** What wants the user: approvals waiting, errors in the last hour, config settings Tidepool
 *  does not act on. Each row opens its page. */
export function Attention(props: { go: (page: "approvals" | "logs" | "config") => void; unsupported: readonly string[] }) {
  const errors = () => recentErrors(lines(), Date.now());
  const rows = () => {
    const out: { id: string; icon: () => JSX.Element; text: string; detail?: string; page: "approvals" | "logs" | "config" }[] = [];
    const waiting = pending().length;
    if (waiting) out.push({ id: "approvals", icon: () => <ShieldCheck size={16} class="text-warn" />, text: `${plural(waiting, "command")} waiting for your approval`, page: "approvals" });
    const e = errors();
    if (e.length) out.push({ id: "errors", icon: () => <CircleAlert size={16} class="text-err" />, text: `${plural(e.length, "error")} in the last hour`, detail: e[0].message, page: "logs" });
    if (props.unsupported.length)
      out.push({ id: "config", icon: () => <TriangleAlert size={16} class="text-warn" />, text: `${plural(props.unsupported.length, "setting")} in the config that Tidepool does not act on yet`, detail: props.unsupported.slice(0, 3).join(", "), page: "config" });
    return out;
  };
  return (
    <div class="rounded-lg border border-line bg-surface p-4" data-testid="attention">
      <div class="text-xs font-medium uppercase tracking-wide text-muted mb-2">Needs attention</div>
      <Show
        when={rows().length}
        fallback={
          <div class="flex items-center gap-2 text-[13px] text-muted" data-testid="attention-none">
            <CircleCheck size={16} class="text-ok" /> Nothing needs you right now.
          </div>
        }
      >
        <ul class="space-y-1">
          <For each={rows()}>
            {(r) => (
              <li>
                <button type="button" data-testid={`attention-${r.id}`} class="w-full flex items-center gap-2.5 rounded-md px-2 py-1.5 text-left text-[13px] hover:bg-surface-2" onClick={() => props.go(r.page)}>
                  {r.icon()}
                  <span class="min-w-0 flex-1">
                    <span class="font-medium">{r.text}</span>
                    <Show when={r.detail}>
                      <span class="block text-xs text-muted truncate">{r.detail}</span>
                    </Show>
                  </span>
                  <ChevronRight size={15} class="text-muted shrink-0" />
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}
