import type { JSX } from "solid-js";
import type { ExecMode, ProviderKind, SetupProgress_Serialize } from "../../bindings";
import { EXEC_MODES } from "../../shared/lib/execModes";
import { plural } from "../../shared/lib/format";
import { ErrorNotice } from "../../shared/ui/ErrorNotice";

export type Progress = SetupProgress_Serialize;

export const PROVIDERS: { id: ProviderKind; name: string; blurb: string; keyHint: string }[] = [
  {
    id: "anthropic",
    name: "Anthropic",
    blurb: "Claude models. Needs an API key from console.anthropic.com.",
    keyHint: "sk-ant-…",
  },
  {
    id: "openai",
    name: "OpenAI",
    blurb: "GPT models. Needs an API key from platform.openai.com.",
    keyHint: "sk-…",
  },
  {
    id: "local",
    name: "On this computer",
    blurb: "Ollama, LM Studio or any server with an OpenAI-compatible API. No key needed.",
    keyHint: "optional",
  },
];

export function providerName(id: ProviderKind): string {
  return PROVIDERS.find((p) => p.id === id)?.name ?? id;
}

/** The model step's first sentence: a service "offers" models, a server here was searched. */
export function modelsSentence(id: ProviderKind, count: number): string {
  return id === "local"
    ? `Found ${plural(count, "model")} on your server.`
    : `${providerName(id)} offers ${plural(count, "model")}.`;
}

/** What happens to the key: a service checks it; a server here may not need one at all. */
export function keyNote(id: ProviderKind): string {
  return id === "local"
    ? "A key you enter here is kept in your system's keychain, never written to a file."
    : `The key is checked with ${providerName(id)} and then kept in your system's keychain. It is never written to a file.`;
}

/** The headline of a refused key. */
export function refusedKey(id: ProviderKind): string {
  return id === "local" ? "Your server refused that key" : `${providerName(id)} refused that key`;
}

/** The safety step's choices, named as the Approvals page names them. */
export const SAFETY: { id: ExecMode; title: string; text: string; recommended?: boolean }[] = [
  { id: "ask", ...EXEC_MODES.ask, recommended: true },
  { id: "allowlist", ...EXEC_MODES.allowlist },
  { id: "deny", ...EXEC_MODES.deny },
];

/** A selectable card in a radio group (arrow keys move between cards). */
export { RadioCard as Choice, RadioCards as Choices } from "../../shared/ui/RadioCards";

/** A step's error: what happened, why, what to do, and the raw text under "Details". */
export function Problem(props: { title: string; children: JSX.Element; testid?: string; action?: string; details?: string }) {
  return <ErrorNotice testid={props.testid} title={props.title} cause={props.children} action={props.action} details={props.details} />;
}

/** A step's Back / Continue row: it stays at the bottom of the window while the step scrolls
 *  (a long model list, an import report), so the way on is always in view. */
export function StepFooter(props: { children: JSX.Element; end?: boolean }) {
  return (
    <div
      data-testid="step-footer"
      class={`sticky bottom-0 z-10 -mx-6 px-6 py-3 flex items-center gap-2 border-t border-line bg-bg ${props.end ? "justify-end" : "justify-between"}`}
    >
      {props.children}
    </div>
  );
}

export function StepHeading(props: { title: string; text: string }) {
  return (
    <div class="space-y-1">
      <h2 class="text-[20px] font-semibold">{props.title}</h2>
      <p class="text-[14px] text-muted">{props.text}</p>
    </div>
  );
}
