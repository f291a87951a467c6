import { For, Show } from "solid-js";
import type { ApprovalPart_Serialize as Part, ApprovalView_Serialize as Approval, AskFallback } from "../../bindings";
import { countdown, shortPath } from "../../shared/lib/format";
import { nameOfKey } from "../../shared/lib/sessions";
import { fallbackOutcome } from "../../shared/lib/execModes";
import { TipText } from "../../shared/ui/Tooltip";

const DECISION: Record<string, { label: string; cls: string }> = {
  allow: { label: "Allowed", cls: "bg-ok/12 text-ok border-ok/30" },
  ask: { label: "Asks", cls: "bg-warn/12 text-warn border-warn/30" },
  deny: { label: "Denied", cls: "bg-err/12 text-err border-err/30" },
};

/** "Agent main wants to run this in ~/…/workspace", the full folder in a tooltip, and the
 *  conversation by its name (its key in a tooltip). */
export function WhoWhere(props: { approval: Approval }) {
  const a = () => props.approval;
  return (
    <div data-testid="approval-who">
      <span class="text-fg">
        <Show when={a().agentId} fallback="An agent">
          {(id) => (
            <>
              Agent <span class="font-medium">{id()}</span>
            </>
          )}
        </Show>{" "}
        wants to run this
        <Show when={a().cwd}>
          {(cwd) => (
            <>
              {" "}in{" "}
              <TipText tip={cwd()} class="font-mono text-[12.5px] rounded" data-testid="approval-cwd" data-path={cwd()} aria-label={cwd()}>
                {shortPath(cwd())}
              </TipText>
            </>
          )}
        </Show>
      </span>
      <Show when={a().sessionKey}>
        {(key) => (
          <div class="text-[12px] text-muted">
            In the conversation{" "}
            <TipText tip={key()} class="rounded" data-testid="approval-session">
              {nameOfKey(key())}
            </TipText>
          </div>
        )}
      </Show>
    </div>
  );
}

/** The countdown with what happens at its end: "Refused automatically in 2:01". */
export function Expiry(props: { seconds: number; fallback: AskFallback | null }) {
  const text = () => {
    const t = countdown(props.seconds);
    if (!props.fallback) return `Without an answer in ${t}, your policy decides.`;
    const outcome = fallbackOutcome(props.fallback);
    const when = `${outcome === "refused" ? "Refused" : "Allowed"} automatically in ${t}`;
    return props.fallback === "allowlist" ? `${when}: your rules do not allow it.` : `${when}.`;
  };
  return (
    <p class="text-[12px] text-muted" data-testid="approval-countdown" data-outcome={props.fallback ? fallbackOutcome(props.fallback) : undefined}>
      {text()}
    </p>
  );
}

const STATUS: Record<string, { label: string; cls: string }> = {
  pending: { label: "Waiting", cls: "bg-warn/12 text-warn border-warn/30" },
  allowed: { label: "Allowed", cls: "bg-ok/12 text-ok border-ok/30" },
  denied: { label: "Denied", cls: "bg-err/12 text-err border-err/30" },
  expired: { label: "No answer", cls: "bg-surface-2 text-muted border-line" },
  cancelled: { label: "Cancelled", cls: "bg-surface-2 text-muted border-line" },
};

const FLAG: Record<string, string> = {
  dynamicProgram: "program known only when it runs",
  inlineCode: "runs inline code",
  riskyEnv: "changes what runs",
  writesOutside: "writes outside the workspace",
  unanalyzable: "cannot be analyzed",
};

const chip = "inline-flex items-center rounded border px-1.5 h-5 text-[11px] font-medium whitespace-nowrap";

/** A policy decision (`allow`, `ask`, `deny`) as a coloured chip. */
export function DecisionChip(props: { decision: string }) {
  const d = () => DECISION[props.decision] ?? DECISION.ask;
  return <span class={`${chip} ${d().cls}`}>{d().label}</span>;
}

/** An approval's outcome (`pending`, `allowed`, ...) as a coloured chip. */
export function StatusChip(props: { status: string }) {
  const d = () => STATUS[props.status] ?? STATUS.cancelled;
  return (
    <span data-testid="approval-status" class={`${chip} ${d().cls}`}>
      {d().label}
    </span>
  );
}

/** The programs a command would run, each with its decision, the rule that decided and why.
 *  A part's reason that `except` (the approval's one reason line) already says is left out. */
export function PartsList(props: { parts: Part[]; except?: string }) {
  const said = (reason: string) => !!props.except && !!reason && props.except.includes(reason);
  return (
    <ul class="divide-y divide-line rounded-md border border-line" data-testid="approval-parts">
      <For each={props.parts}>
        {(p) => (
          <li class="flex items-start gap-3 px-3 py-2" data-testid="approval-part">
            <div class="pt-0.5 w-16 shrink-0">
              <DecisionChip decision={p.decision} />
            </div>
            <div class="min-w-0 flex-1 space-y-1">
              <div class="font-mono text-[12.5px] break-all">
                <span class="font-semibold">{p.program}</span>
                <For each={p.args}>{(a) => <span> {a}</span>}</For>
              </div>
              <div class="flex flex-wrap gap-1.5">
                <Show when={p.via}>
                  <span class={`${chip} border-line text-muted`}>inside {p.via}</span>
                </Show>
                <For each={p.env}>{(e) => <span class={`${chip} border-line text-muted font-mono`}>{e}</span>}</For>
                <For each={p.writes}>{(w) => <span class={`${chip} border-line text-muted`}>writes {w}</span>}</For>
                <For each={p.flags}>{(f) => <span class={`${chip} bg-warn/12 text-warn border-warn/30`}>{FLAG[f] ?? f}</span>}</For>
              </div>
              <Show when={!said(p.reason)}>
                <div class="text-[12px] text-muted" data-testid="approval-part-reason">
                  {p.reason}
                </div>
              </Show>
            </div>
          </li>
        )}
      </For>
    </ul>
  );
}
