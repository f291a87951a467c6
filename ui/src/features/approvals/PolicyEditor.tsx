import { createEffect, createSignal, For, Index, on, onCleanup, onMount, Show } from "solid-js";
import { commands, type CheckView_Serialize as Check, type ExecPolicy_Serialize as Policy, type ExecRule_Serialize as Rule, type AskFallback, type RuleAction, type RuleScope } from "../../bindings";
import { errorText } from "./store";
import { DecisionChip, PartsList } from "./ApprovalDetails";
import { Button } from "../../shared/ui/Button";
import { Plus, Trash2 } from "../../shared/ui/icons";
import { radioFocusRing } from "../../shared/ui/Segmented";
import { EXEC_MODES } from "../../shared/lib/execModes";

// Named as in the setup's safety step (EXEC_MODES); the hints say how the rules take part.
const MODES = [
  { id: "ask", label: EXEC_MODES.ask.title, hint: "Commands your rules allow run at once; anything else waits for your answer." },
  { id: "allowlist", label: EXEC_MODES.allowlist.title, hint: "Commands your rules allow run; anything else is refused without asking." },
  { id: "deny", label: EXEC_MODES.deny.title, hint: "Agents cannot run shell commands. The tool is not even offered to them." },
  { id: "full", label: EXEC_MODES.full.title, hint: EXEC_MODES.full.text },
] as const;

const FALLBACKS: { id: AskFallback; label: string }[] = [
  { id: "deny", label: "Refuse the command" },
  { id: "allowlist", label: "Let my rules decide" },
  { id: "full", label: "Run it anyway" },
];

const ACTIONS: readonly RuleAction[] = ["allow", "ask", "deny"];
const SCOPES: readonly RuleScope[] = ["global", "agent", "session"];

/** A `<select>`'s value as the option it is (one of `ids`), typed. */
function picked<T extends string>(ids: readonly T[], value: string): T | undefined {
  return ids.find((id) => id === value);
}

const input = "h-8 rounded-md border border-line bg-surface px-2 text-[13px]";
const blankRule = (): Rule => ({ pattern: "", action: "allow", scope: "global" });
const same = (a: Policy | null, b: Policy | null) => JSON.stringify(a) === JSON.stringify(b);

/** The shell-command policy: mode, what an unanswered prompt becomes, rules, and a
 *  "would this command be allowed?" box that judges the unsaved draft. */
export function PolicyEditor() {
  const [saved, setSaved] = createSignal<Policy | null>(null);
  const [draft, setDraft] = createSignal<Policy | null>(null);
  const [hash, setHash] = createSignal("");
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);
  const [notice, setNotice] = createSignal<{ kind: "ok" | "err" | "conflict"; text: string } | null>(null);
  const [probe, setProbe] = createSignal("");
  const [check, setCheck] = createSignal<Check | null>(null);
  const [checkError, setCheckError] = createSignal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function load() {
    const r = await commands.approvalsPolicy();
    if (r.status === "error") {
      setLoadError(errorText(r.error));
      return;
    }
    setLoadError(null);
    setSaved(r.data.policy);
    setDraft(structuredClone(r.data.policy));
    setHash(r.data.hash);
  }

  onMount(() => {
    onCleanup(() => clearTimeout(timer));
    void load();
  });

  const edit = (f: (p: Policy) => Policy) => {
    setDraft((p) => (p ? f(structuredClone(p)) : p));
    setNotice(null);
  };
  const editRule = (i: number, patch: Partial<Rule>) => edit((p) => ({ ...p, rules: p.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));
  const dirty = () => !same(saved(), draft());

  // Judge the probe under the draft, shortly after either changes.
  createEffect(
    on([probe, draft], () => {
      clearTimeout(timer);
      const cmd = probe().trim();
      if (!cmd || !draft()) {
        setCheck(null);
        setCheckError(null);
        return;
      }
      timer = setTimeout(async () => {
        const r = await commands.approvalsCheck(cmd, draft());
        if (probe().trim() !== cmd) return;
        if (r.status === "ok") {
          setCheck(r.data);
          setCheckError(null);
        } else {
          setCheck(null);
          setCheckError(errorText(r.error));
        }
      }, 250);
    }),
  );

  async function save() {
    const p = draft();
    if (!p) return;
    setSaving(true);
    const r = await commands.approvalsPolicySave(p, hash());
    setSaving(false);
    if (r.status === "error") {
      setNotice({ kind: "err", text: errorText(r.error) });
      return;
    }
    const o = r.data;
    if (o.outcome === "saved") {
      setSaved(structuredClone(p));
      setHash(o.hash);
      setNotice({ kind: "ok", text: "Saved. The running gateway uses the new policy now." });
    } else if (o.outcome === "conflict") {
      setNotice({ kind: "conflict", text: "The config changed elsewhere since this page loaded it (another window, the CLI, or an “Allow always”). Reload to see it, then make your change again." });
    } else {
      setNotice({ kind: "err", text: o.outcome === "invalid" ? o.problem.message : o.message });
    }
  }

  return (
    <div class="space-y-4">
      <Show when={loadError()}>
        <div role="alert" class="rounded-lg border border-err/40 bg-err/10 p-3 text-[13px] flex items-center gap-3">
          <span class="flex-1">The policy could not be loaded: {loadError()}</span>
          <Button onClick={() => void load()}>Try again</Button>
        </div>
      </Show>
      <Show when={draft()} fallback={<Show when={!loadError()}><div class="tp-skeleton h-64" role="progressbar" aria-busy="true" aria-label="Loading" /></Show>}>
        {(p) => (
          <>
            <section class="rounded-lg border border-line bg-surface p-5 space-y-3">
              <h2 class="font-semibold">When an agent wants to run a shell command</h2>
              <div role="radiogroup" aria-label="Mode" class="grid grid-cols-2 gap-2">
                <For each={MODES}>
                  {(m) => (
                    <label
                      data-testid={`policy-mode-${m.id}`}
                      class={`block rounded-md border p-3 select-none ${radioFocusRing} ${p().mode === m.id ? "border-accent bg-accent/8" : "border-line hover:bg-surface-2"}`}
                    >
                      <input
                        type="radio"
                        class="sr-only"
                        name="policy-mode"
                        value={m.id}
                        checked={p().mode === m.id}
                        onChange={() => edit((x) => ({ ...x, mode: m.id }))}
                      />
                      <div class="font-medium text-[13px]">{m.label}</div>
                      <div class="text-[12px] text-muted">{m.hint}</div>
                    </label>
                  )}
                </For>
              </div>
              <div class="flex flex-wrap items-center gap-x-6 gap-y-2 text-[13px]">
                <label class="flex items-center gap-2">
                  When nobody answers
                  <select
                    data-testid="policy-fallback"
                    class={input}
                    value={p().askFallback}
                    onChange={(e) => {
                      const askFallback = picked(FALLBACKS.map((f) => f.id), e.currentTarget.value);
                      if (askFallback) edit((x) => ({ ...x, askFallback }));
                    }}
                  >
                    <For each={FALLBACKS}>{(f) => <option value={f.id}>{f.label}</option>}</For>
                  </select>
                </label>
                <label class="flex items-center gap-2">
                  after
                  <input
                    data-testid="policy-timeout"
                    type="number"
                    min="5"
                    max="86400"
                    class={`${input} w-20`}
                    value={p().approvalTimeoutSeconds}
                    onInput={(e) => {
                      const n = Number(e.currentTarget.value);
                      if (Number.isInteger(n) && n >= 5 && n <= 86400) edit((x) => ({ ...x, approvalTimeoutSeconds: n }));
                    }}
                  />
                  seconds
                </label>
              </div>
            </section>

            <section class="rounded-lg border border-line bg-surface p-5 space-y-3">
              <h2 class="font-semibold">Would this command be allowed?</h2>
              <input
                data-testid="policy-probe"
                aria-label="A command to check against the policy above"
                placeholder="git status && rm -rf build"
                class={`${input} w-full font-mono`}
                value={probe()}
                onInput={(e) => setProbe(e.currentTarget.value)}
              />
              <Show when={checkError()}>
                <p role="alert" class="text-[13px] text-err" data-testid="policy-check-error">
                  {checkError()}
                </p>
              </Show>
              <Show when={check()}>
                {(c) => (
                  <div class="space-y-2" data-testid="policy-verdict">
                    <div class="flex items-center gap-2 text-[13px]">
                      <DecisionChip decision={c().decision} />
                      <span>{c().reason}</span>
                    </div>
                    <PartsList parts={c().parts} />
                    <p class="text-[12px] text-muted">Judged under the policy as edited above{dirty() ? " (not saved yet)" : ""}.</p>
                  </div>
                )}
              </Show>
            </section>

            <section class="rounded-lg border border-line bg-surface p-5 space-y-3">
              <div class="flex items-center">
                <h2 class="font-semibold flex-1">Rules</h2>
                <Button icon={<Plus size={14} />} data-testid="policy-add-rule" onClick={() => edit((x) => ({ ...x, rules: [...x.rules, blankRule()] }))}>
                  Add rule
                </Button>
              </div>
              <p class="text-[12px] text-muted">
                Written like commands: <span class="font-mono">git status</span>, <span class="font-mono">npm run *</span> (<span class="font-mono">*</span> is one word),{" "}
                <span class="font-mono">git log **</span> (<span class="font-mono">**</span> at the end: any further words). Every program in a command must pass; the strictest rule wins.
              </p>
              <Show when={p().rules.length} fallback={<p class="text-[13px] text-muted py-2" data-testid="policy-no-rules">No rules yet. “Allow always” in a prompt adds one here.</p>}>
                <div class="space-y-2">
                  <Index each={p().rules}>
                    {(r, i) => (
                      <div class="flex flex-wrap items-center gap-2" data-testid="policy-rule">
                        <input aria-label={`Pattern of rule ${i + 1}`} class={`${input} font-mono flex-1 min-w-56`} value={r().pattern} onInput={(e) => editRule(i, { pattern: e.currentTarget.value })} />
                        <select
                          aria-label={`Action of rule ${i + 1}`}
                          class={input}
                          value={r().action}
                          onChange={(e) => {
                            const action = picked(ACTIONS, e.currentTarget.value);
                            if (action) editRule(i, { action });
                          }}
                        >
                          <option value="allow">Allow</option>
                          <option value="ask">Ask</option>
                          <option value="deny">Deny</option>
                        </select>
                        <select
                          aria-label={`Where rule ${i + 1} applies`}
                          class={input}
                          value={r().scope}
                          onChange={(e) => {
                            const scope = picked(SCOPES, e.currentTarget.value);
                            if (scope) editRule(i, { scope });
                          }}
                        >
                          <option value="global">Everywhere</option>
                          <option value="agent">One agent</option>
                          <option value="session">One conversation</option>
                        </select>
                        <Show when={r().scope === "agent"}>
                          <input aria-label={`Agent of rule ${i + 1}`} placeholder="agent id" class={`${input} w-28`} value={r().agentId ?? ""} onInput={(e) => editRule(i, { agentId: e.currentTarget.value })} />
                        </Show>
                        <Show when={r().scope === "session"}>
                          <input aria-label={`Conversation of rule ${i + 1}`} placeholder="agent:main:…" class={`${input} w-44 font-mono`} value={r().sessionKey ?? ""} onInput={(e) => editRule(i, { sessionKey: e.currentTarget.value })} />
                        </Show>
                        <input aria-label={`Note on rule ${i + 1}`} placeholder={r().source === "allow-always" ? "added from a prompt" : "note"} class={`${input} w-40`} value={r().note ?? ""} onInput={(e) => editRule(i, { note: e.currentTarget.value })} />
                        <Button variant="ghost" aria-label={`Remove rule ${i + 1}`} icon={<Trash2 size={14} />} onClick={() => edit((x) => ({ ...x, rules: x.rules.filter((_, j) => j !== i) }))} />
                      </div>
                    )}
                  </Index>
                </div>
              </Show>
            </section>

            <Show when={notice()}>
              {(n) => (
                <div
                  role={n().kind === "ok" ? "status" : "alert"}
                  data-testid={`policy-${n().kind === "ok" ? "saved" : n().kind === "conflict" ? "conflict" : "refused"}`}
                  class={`rounded-lg border p-3 text-[13px] flex items-center gap-3 ${n().kind === "ok" ? "border-ok/40 bg-ok/10" : "border-err/40 bg-err/10"}`}
                >
                  <span class="flex-1">{n().text}</span>
                  <Show when={n().kind === "conflict"}>
                    <Button onClick={() => void load().then(() => setNotice(null))}>Reload</Button>
                  </Show>
                </div>
              )}
            </Show>
            <div class="sticky bottom-0 -mx-6 px-6 py-3 border-t border-line bg-bg flex items-center gap-2">
              <span class="flex-1 text-[12px] text-muted">{dirty() ? "Unsaved changes" : "Saved in tools.exec of your config"}</span>
              <Button
                disabled={!dirty() || saving()}
                onClick={() => {
                  setDraft(structuredClone(saved()));
                  setNotice(null);
                }}
              >
                Revert
              </Button>
              <Button variant="primary" data-testid="policy-save" disabled={!dirty()} loading={saving()} onClick={() => void save()}>
                Save policy
              </Button>
            </div>
          </>
        )}
      </Show>
    </div>
  );
}
