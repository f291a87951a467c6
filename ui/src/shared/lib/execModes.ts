import type { AskFallback, ExecMode } from "../../bindings";

/** What agents may run, named the same everywhere: the setup's safety step, the policy editor,
 *  the approval history. `text` is the setup's plain sentence. */
export const EXEC_MODES: Record<ExecMode, { title: string; text: string }> = {
  ask: { title: "Ask me first", text: "When the assistant wants to run a program, it waits until you allow or deny it." },
  allowlist: { title: "Only what I have allowed", text: "Commands you have allowed before run on their own; anything else is refused without asking." },
  deny: { title: "Never run programs", text: "The assistant can read and write files in its folder, but cannot run anything." },
  full: { title: "Run everything", text: "Every command runs unless a deny rule matches. Only for machines you can throw away." },
};

/** A mode's name (`ask` → "Ask me first"); an unknown one as it is. */
export function execModeName(mode: string): string {
  return isExecMode(mode) ? EXEC_MODES[mode].title : mode;
}

/** Whether `mode` is one of the modes (the gateway sends it as a string). */
export function isExecMode(mode: string): mode is ExecMode {
  return Object.hasOwn(EXEC_MODES, mode);
}

/** What an unanswered approval becomes, as the prompt's countdown says it: a command is asked
 *  about because no rule allows it, so "let the rules decide" refuses it too. */
export function fallbackOutcome(f: AskFallback): "refused" | "allowed" {
  return f === "full" ? "allowed" : "refused";
}
