import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { commands } from "../../bindings";
import { Expiry, PartsList, StatusChip, WhoWhere } from "./ApprovalDetails";
import { Button } from "../../shared/ui/Button";
import { GatewayDown } from "../../shared/ui/GatewayDown";
import { Segmented } from "../../shared/ui/Segmented";
import { Search, ShieldCheck } from "../../shared/ui/icons";
import { PolicyEditor } from "./PolicyEditor";
import { type Approval, askFallback, decide, type Decision, errorText, loadAskFallback, pending, secondsLeft, showPrompt } from "./store";
import { execModeName } from "../../shared/lib/execModes";
import { shortPath } from "../../shared/lib/format";
import { nameOfKey } from "../../shared/lib/sessions";
import { isUp } from "../../shared/lib/gateway";
import { TipText } from "../../shared/ui/Tooltip";
import { RelativeTime } from "../../shared/ui/RelativeTime";

type Tab = "pending" | "history" | "policy";
const STATUSES = [
  { id: "all", label: "All" },
  { id: "allowed", label: "Allowed" },
  { id: "denied", label: "Denied" },
  { id: "expired", label: "No answer" },
  { id: "cancelled", label: "Cancelled" },
] as const;
/** History rows fetched per request. */
const PAGE = 50;


/** Who decided, in words. */
export function decidedBy(a: Approval): string {
  if (a.status === "pending") return "—";
  if (a.resolvedBy === "policy") return "your policy";
  if (a.reason === "timeout") return "no answer in time";
  if (a.reason === "run-aborted") return "the run was stopped";
  if (a.reason === "gateway-restart") return "the gateway restarted";
  if (a.decision === "allow-always") return `you, always (${a.rulesAdded.join(", ")})`;
  return "you";
}

/** Exec approvals: what waits for a decision, the audit trail, and the policy. */
export function Approvals() {
  const [tab, setTab] = createSignal<Tab>("pending");
  const running = isUp;
  const tabs: { id: Tab; label: () => string }[] = [
    { id: "pending", label: () => (pending().length ? `Waiting (${pending().length})` : "Waiting") },
    { id: "history", label: () => "History" },
    { id: "policy", label: () => "Policy" },
  ];
  return (
    <Show when={running()} fallback={<GatewayDown icon={<ShieldCheck size={28} />} why="Approvals and the shell-command policy live in the gateway." />}>
      <div class="p-6 max-w-5xl space-y-4">
        {/* Tabs are underlined, so they do not look like the history's filter (a segmented control) below them. */}
        <div role="tablist" aria-label="Approvals" class="flex gap-5 border-b border-line">
          <For each={tabs}>
            {(t) => (
              <button
                type="button"
                role="tab"
                aria-selected={tab() === t.id}
                data-testid={`approvals-tab-${t.id}`}
                onClick={() => setTab(t.id)}
                class={`-mb-px h-9 px-0.5 border-b-2 text-[13px] font-medium ${tab() === t.id ? "border-accent text-fg" : "border-transparent text-muted hover:text-fg"}`}
              >
                {t.label()}
              </button>
            )}
          </For>
        </div>
        <Show when={tab() === "pending"}>
          <Pending />
        </Show>
        <Show when={tab() === "history"}>
          <History />
        </Show>
        <Show when={tab() === "policy"}>
          <PolicyEditor />
        </Show>
      </div>
    </Show>
  );
}

function Pending() {
  const [busy, setBusy] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [now, setNow] = createSignal(Date.now());
  onMount(() => {
    void loadAskFallback();
    const t = setInterval(() => setNow(Date.now()), 1000);
    onCleanup(() => clearInterval(t));
  });
  async function run(a: Approval, d: Decision) {
    setBusy(`${a.id}:${d}`);
    setError(await decide(a.id, d));
    setBusy(null);
  }
  return (
    <div class="space-y-3">
      <Show when={error()}>
        <div role="alert" class="rounded-lg border border-err/40 bg-err/10 p-3 text-[13px]">
          {error()}
        </div>
      </Show>
      <Show
        when={pending().length}
        fallback={
          <div class="rounded-lg border border-line bg-surface p-10 text-center space-y-2" data-testid="approvals-empty">
            <ShieldCheck size={28} class="mx-auto text-muted" />
            <h2 class="font-semibold">Nothing waits for your approval</h2>
            <p class="text-muted text-[13px] max-w-md mx-auto">
              When an agent wants to run a command your policy asks about, Tidepool shows it here, notifies you and asks — even when the window is in the tray.
            </p>
          </div>
        }
      >
        <For each={pending()}>
          {(a) => (
            <section class="rounded-lg border border-line bg-surface p-4 space-y-3" data-testid="pending-approval">
              <div class="flex items-start gap-3">
                <div class="min-w-0 flex-1 space-y-1">
                  <div class="text-[13px]">
                    <WhoWhere approval={a} />
                  </div>
                  <div class="font-mono text-[13px] break-all">{a.command}</div>
                  <div class="text-[12px] text-muted flex flex-wrap gap-x-1">
                    <span>
                      Asked <RelativeTime ms={a.createdAtMs} />.
                    </span>
                    <Expiry seconds={secondsLeft(a, now())} fallback={askFallback()} />
                  </div>
                </div>
                <Button variant="danger" loading={busy() === `${a.id}:deny`} disabled={!!busy()} onClick={() => void run(a, "deny")}>
                  Deny
                </Button>
                <Button onClick={() => showPrompt(a.id)}>Review…</Button>
                <Button variant="primary" loading={busy() === `${a.id}:allow-once`} disabled={!!busy()} onClick={() => void run(a, "allow-once")}>
                  Allow once
                </Button>
              </div>
              <PartsList parts={a.parts} />
            </section>
          )}
        </For>
      </Show>
    </div>
  );
}

function History() {
  const [filter, setFilter] = createSignal<(typeof STATUSES)[number]["id"]>("all");
  const [query, setQuery] = createSignal("");
  const [rows, setRows] = createSignal<Approval[]>([]);
  const [more, setMore] = createSignal(false);
  const [loaded, setLoaded] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [open, setOpen] = createSignal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  async function load(append: boolean) {
    const mine = append ? generation : ++generation;
    const r = await commands.approvalsHistory(filter(), query().trim() || null, PAGE, append ? rows().length : 0);
    if (mine !== generation) return;
    setLoaded(true);
    if (r.status === "error") {
      setError(errorText(r.error));
      return;
    }
    setError(null);
    setRows(append ? [...rows(), ...r.data] : r.data);
    setMore(r.data.length === PAGE);
  }

  onMount(() => {
    onCleanup(() => clearTimeout(timer));
    void load(false);
  });
  createEffect(on(filter, () => void load(false), { defer: true }));
  // A decision changes the trail: reload the first page when the pending set changes.
  createEffect(on(() => pending().length, () => void load(false), { defer: true }));

  return (
    <div class="space-y-3">
      <div class="flex flex-wrap items-center gap-3">
        <Segmented label="Outcome" name="history-filter" testid="history-filter" pad="px-2.5" options={STATUSES} value={filter()} onChange={setFilter} />
        <label class="relative flex-1 min-w-48">
          <Search size={15} class="absolute left-2.5 top-2 text-muted" aria-hidden="true" />
          <input
            type="search"
            aria-label="Search commands, agents and conversations"
            placeholder="Search commands, agents, conversations"
            data-testid="history-search"
            class="w-full h-8 rounded-md border border-line bg-surface pl-8 pr-2 text-[13px]"
            value={query()}
            onInput={(e) => {
              setQuery(e.currentTarget.value);
              clearTimeout(timer);
              timer = setTimeout(() => void load(false), 200);
            }}
          />
        </label>
      </div>
      <Show when={error()}>
        <div role="alert" class="rounded-lg border border-err/40 bg-err/10 p-3 text-[13px] flex items-center gap-3">
          <span class="flex-1">The history could not be loaded: {error()}</span>
          <Button onClick={() => void load(false)}>Try again</Button>
        </div>
      </Show>
      <Show when={loaded()} fallback={<div class="tp-skeleton h-40" role="progressbar" aria-busy="true" aria-label="Loading" />}>
        <Show
          when={rows().length}
          fallback={
            <div class="rounded-lg border border-line bg-surface p-8 text-center text-muted text-[13px]" data-testid="history-empty">
              {query() || filter() !== "all" ? "No command matches these filters." : "No agent has asked to run a command yet."}
            </div>
          }
        >
          <div class="rounded-lg border border-line bg-surface overflow-hidden">
            <table class="w-full text-[13px]">
              <thead class="bg-surface-2 text-muted text-left text-[12px]">
                <tr>
                  <th class="px-3 py-2 font-medium w-44">When</th>
                  <th class="px-3 py-2 font-medium">Command</th>
                  <th class="px-3 py-2 font-medium w-24">Agent</th>
                  <th class="px-3 py-2 font-medium w-28">Outcome</th>
                  <th class="px-3 py-2 font-medium w-44">Decided by</th>
                </tr>
              </thead>
              <tbody class="divide-y divide-line">
                <For each={rows()}>
                  {(a) => (
                    <>
                      <tr
                        data-testid="history-row"
                        tabindex="0"
                        aria-expanded={open() === a.id}
                        class="cursor-default hover:bg-surface-2"
                        onClick={() => setOpen(open() === a.id ? null : a.id)}
                        onKeyDown={(e) => {
                          if (e.key !== "Enter" && e.key !== " ") return;
                          e.preventDefault();
                          setOpen(open() === a.id ? null : a.id);
                        }}
                      >
                        <td class="px-3 py-2 whitespace-nowrap text-muted">
                          <RelativeTime ms={a.createdAtMs} />
                        </td>
                        <td class="px-3 py-2 font-mono text-[12.5px] max-w-96">
                          <TipText tip={a.command} focusable={false} class="block truncate">
                            {a.command}
                          </TipText>
                        </td>
                        <td class="px-3 py-2">{a.agentId ?? "—"}</td>
                        <td class="px-3 py-2">
                          <StatusChip status={a.status} />
                        </td>
                        <td class="px-3 py-2 text-muted">{decidedBy(a)}</td>
                      </tr>
                      <Show when={open() === a.id}>
                        <tr>
                          <td colspan="5" class="px-3 pb-3 pt-1 space-y-2 bg-surface-2/40">
                            <div class="text-[12px] text-muted" data-testid="history-details">
                              {[a.cwd ? `In ${shortPath(a.cwd)}` : "", a.sessionKey ? `in the conversation ${nameOfKey(a.sessionKey)}` : "", `judged under “${execModeName(a.mode)}”: ${a.verdictReason}`]
                                .filter((x) => x !== "")
                                .join(" · ")}
                            </div>
                            <PartsList parts={a.parts} />
                          </td>
                        </tr>
                      </Show>
                    </>
                  )}
                </For>
              </tbody>
            </table>
          </div>
          <Show when={more()}>
            <Button onClick={() => void load(true)}>Load more</Button>
          </Show>
        </Show>
      </Show>
    </div>
  );
}
