import { createEffect, createMemo, createSignal, For, Index, on, onCleanup, onMount, Show } from "solid-js";
import { type Approval, askFallback, closePrompt, decide, type Decision, pending, promptId, promptOpen, type Scope, secondsLeft, showPrompt } from "./store";
import { Button } from "../../shared/ui/Button";
import { ChevronLeft, ChevronRight, Plus, ShieldAlert, Trash2 } from "../../shared/ui/icons";
import { Modal } from "../../shared/ui/Modal";
import { Expiry, PartsList, WhoWhere } from "./ApprovalDetails";

const SCOPES: { id: Scope; label: (a: Approval) => string }[] = [
  { id: "global", label: () => "Everywhere" },
  { id: "agent", label: (a) => `Only agent ${a.agentId ?? "main"}` },
  { id: "session", label: () => "Only this conversation" },
];

/**
 * The focused prompt for a command waiting for approval: what would run (each program with
 * its decision and rule), where, for whom, and Allow once / Allow always (with the rule,
 * editable, and where it applies) / Deny. Escape closes it without deciding. Focus starts on
 * "Later", never on an allow button: the prompt can pop up while the user is typing, and a
 * stray Enter must not run a command.
 */
export function ApprovalPrompt() {
  const current = createMemo(() => pending().find((a) => a.id === promptId()) ?? pending()[0]);
  const index = () => pending().findIndex((a) => a.id === current()?.id);
  const [always, setAlways] = createSignal(false);
  const [rules, setRules] = createSignal<string[]>([]);
  const [scope, setScope] = createSignal<Scope>("global");
  const [busy, setBusy] = createSignal<Decision | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [now, setNow] = createSignal(Date.now());

  onMount(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    onCleanup(() => clearInterval(t));
  });

  // A different approval: start its editor from its suggested rules.
  createEffect(
    on(
      () => current()?.id,
      () => {
        setAlways(false);
        const a = current();
        setRules(a?.suggestedRules.length ? [...a.suggestedRules] : [a?.command ?? ""]);
        setScope("global");
        setError(null);
        // Its countdown starts from now, not from the clock's last tick.
        setNow(Date.now());
      },
    ),
  );

  async function run(d: Decision) {
    const a = current();
    if (!a || busy()) return;
    setBusy(d);
    setError(null);
    const e = d === "allow-always" ? await decide(a.id, d, rules(), scope()) : await decide(a.id, d);
    setBusy(null);
    setError(e);
  }

  const left = () => {
    const a = current();
    return a ? secondsLeft(a, now()) : 0;
  };
  const total = () => {
    const a = current();
    return a ? Math.max(1, (a.expiresAtMs - a.createdAtMs) / 1000) : 1;
  };

  function step(by: number) {
    const list = pending();
    const next = list[(index() + by + list.length) % list.length];
    if (next) showPrompt(next.id);
  }

  return (
    <Modal
      open={promptOpen() && !!current()}
      onClose={closePrompt}
      title="Allow this command?"
      wide
      actions={
        <div class="flex w-full items-center gap-2" data-testid="approval-prompt">
          <Button variant="ghost" onClick={closePrompt} tooltip="Decide later; it keeps waiting on the Approvals page" shortcut="Esc">
            Later
          </Button>
          <div class="flex-1" />
          <Button variant="danger" data-testid="approval-deny" loading={busy() === "deny"} disabled={!!busy()} onClick={() => void run("deny")}>
            Deny
          </Button>
          <Show
            when={always()}
            fallback={
              <Button data-testid="approval-always" disabled={!!busy()} onClick={() => setAlways(true)}>
                Allow always…
              </Button>
            }
          >
            <Button data-testid="approval-always-save" loading={busy() === "allow-always"} disabled={!!busy()} onClick={() => void run("allow-always")}>
              Save rule and allow
            </Button>
          </Show>
          <Button variant="primary" data-testid="approval-once" loading={busy() === "allow-once"} disabled={!!busy()} onClick={() => void run("allow-once")}>
            Allow once
          </Button>
        </div>
      }
    >
      <Show when={current()}>
        {(a) => (
          <div class="space-y-3">
            <div class="flex items-start gap-3">
              <ShieldAlert size={20} class="text-warn shrink-0 mt-0.5" aria-hidden="true" />
              <div class="min-w-0 flex-1 text-muted">
                <WhoWhere approval={a()} />
              </div>
              <Show when={pending().length > 1}>
                <div class="flex items-center gap-1 text-[12px] text-muted shrink-0" data-testid="approval-position">
                  <button type="button" aria-label="Previous" class="rounded p-0.5 hover:bg-surface-2" onClick={() => step(-1)}>
                    <ChevronLeft size={16} />
                  </button>
                  {index() + 1} of {pending().length}
                  <button type="button" aria-label="Next" class="rounded p-0.5 hover:bg-surface-2" onClick={() => step(1)}>
                    <ChevronRight size={16} />
                  </button>
                </div>
              </Show>
            </div>
            <pre class="tp-code whitespace-pre-wrap break-all max-h-40 overflow-auto" data-testid="approval-command">
              <code>{a().command}</code>
            </pre>
            <Show when={a().verdictReason}>
              <p class="text-[13px]" data-testid="approval-reason">
                <span class="text-muted">Why it asks:</span> {a().verdictReason}
              </p>
            </Show>
            {/* Each part's reason only where it adds to the line above (a rule that allowed one part). */}
            <PartsList parts={a().parts} except={a().verdictReason} />
            <div class="space-y-1">
              <div class="h-1 rounded bg-surface-2 overflow-hidden" role="progressbar" aria-label="Time left to answer" aria-valuemin={0} aria-valuemax={total()} aria-valuenow={left()}>
                <div class="h-full bg-warn transition-[width] duration-1000 ease-linear" style={{ width: `${(100 * left()) / total()}%` }} />
              </div>
              <Expiry seconds={left()} fallback={askFallback()} />
            </div>
            <Show when={always()}>
              <fieldset class="rounded-md border border-line p-3 space-y-2" data-testid="approval-rules">
                <legend class="px-1 text-[12px] font-medium">Allow from now on</legend>
                <p class="text-[12px] text-muted">
                  Commands matching these rules will run without asking. <span class="font-mono">*</span> is any one word, <span class="font-mono">**</span> at the end any further words.
                </p>
                <Index each={rules()}>
                  {(r, i) => (
                    <div class="flex gap-2">
                      <input
                        aria-label={`Rule ${i + 1}`}
                        data-testid="approval-rule"
                        class="flex-1 h-8 rounded-md border border-line bg-surface px-2 font-mono text-[12.5px]"
                        value={r()}
                        onInput={(e) => setRules((rs) => rs.map((x, j) => (j === i ? e.currentTarget.value : x)))}
                      />
                      <Button variant="ghost" aria-label={`Remove rule ${i + 1}`} disabled={rules().length === 1} onClick={() => setRules((rs) => rs.filter((_, j) => j !== i))} icon={<Trash2 size={14} />} />
                    </div>
                  )}
                </Index>
                <Button variant="ghost" icon={<Plus size={14} />} onClick={() => setRules((rs) => [...rs, ""])}>
                  Add a rule
                </Button>
                <div role="radiogroup" aria-label="Where the rule applies" class="flex flex-wrap gap-3 pt-1">
                  <For each={SCOPES}>
                    {(s) => (
                      <label class="inline-flex items-center gap-1.5 text-[13px]">
                        <input type="radio" name="approval-scope" data-testid={`approval-scope-${s.id}`} checked={scope() === s.id} onChange={() => setScope(s.id)} />
                        {s.label(a())}
                      </label>
                    )}
                  </For>
                </div>
              </fieldset>
            </Show>
            <Show when={error()}>
              <div role="alert" data-testid="approval-error" class="rounded-md border border-err/40 bg-err/10 p-2.5 text-[13px]">
                {error()}
              </div>
            </Show>
          </div>
        )}
      </Show>
    </Modal>
  );
}
