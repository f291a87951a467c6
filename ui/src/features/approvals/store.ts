import { errorText } from "../../shared/lib/format";
import { createSignal } from "solid-js";
import { commands, events, type ApprovalView_Serialize, type AskFallback, type RuleScope } from "../../bindings";

export type Approval = ApprovalView_Serialize;
export type Decision = "allow-once" | "allow-always" | "deny";
export type Scope = RuleScope;

const [pending, setPending] = createSignal<Approval[]>([]);
// The prompt: which approval it shows, and whether it is open.
const [promptId, setPromptId] = createSignal<string | null>(null);
const [promptOpen, setPromptOpen] = createSignal(false);
// Bumped when the tray asks for the Approvals page.
const [pageRequests, setPageRequests] = createSignal(0);

// What an unanswered approval becomes (the policy's askFallback); null until known.
const [askFallback, setAskFallback] = createSignal<AskFallback | null>(null);

export { pending, promptId, promptOpen, pageRequests, askFallback };

/** Reads the policy's fallback, for the prompt's countdown ("Refused automatically in 2:01").
 *  Read again with every new approval: the policy may have changed since. */
export async function loadAskFallback(): Promise<void> {
  const r = await commands.approvalsPolicy();
  if (r.status === "ok" && r.data?.policy) setAskFallback(r.data.policy.askFallback);
}

export { errorText };

let started = false;
let seen = new Set<string>();

/** Takes the gateway's pending list; a new arrival opens the prompt on it. */
export function applyPending(list: Approval[]): void {
  const arrived = list.find((a) => !seen.has(a.id));
  seen = new Set(list.map((a) => a.id));
  setPending(list);
  if (arrived) {
    setPromptId(arrived.id);
    setPromptOpen(true);
    void loadAskFallback();
  } else if (!list.some((a) => a.id === promptId())) {
    // The one shown was decided (here, elsewhere, or it expired): show the next, if any.
    setPromptId(list[0]?.id ?? null);
    if (!list.length) setPromptOpen(false);
  }
}

/** Follows pending approvals. Safe to call more than once. */
export async function initApprovals(): Promise<void> {
  if (started) return;
  started = true;
  await events.approvalsPending.listen((e) => applyPending(e.payload));
  await events.approvalFocus.listen((e) => {
    const id = e.payload;
    if (id && pending().some((a) => a.id === id)) showPrompt(id);
    else setPageRequests((n) => n + 1);
  });
  const r = await commands.approvalsPending();
  if (r.status === "ok" && Array.isArray(r.data)) applyPending(r.data);
}

/** Opens the prompt on an approval. */
export function showPrompt(id: string): void {
  setPromptId(id);
  setPromptOpen(true);
}

/** Closes the prompt without deciding ("Later"); it opens again for the next new one. */
export function closePrompt(): void {
  setPromptOpen(false);
}

/** Decides; returns the error text, or null. */
export async function decide(id: string, decision: Decision, rules?: string[], scope?: Scope): Promise<string | null> {
  const r = await commands.approvalsResolve(id, decision, rules ?? null, scope ?? null);
  if (r.status === "error") return errorText(r.error);
  applyPending(pending().filter((a) => a.id !== id));
  return null;
}

/** Seconds left before an approval stops waiting (never negative). */
export function secondsLeft(a: Approval, now: number): number {
  return Math.max(0, Math.ceil((a.expiresAtMs - now) / 1000));
}

/** "2 min 5 s" / "45 s". */
export function formatWait(s: number): string {
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

/** For tests: forget everything. */
export function resetApprovalsStore(): void {
  started = false;
  seen = new Set();
  setPending([]);
  setPromptId(null);
  setPromptOpen(false);
  setPageRequests(0);
  setAskFallback(null);
}
