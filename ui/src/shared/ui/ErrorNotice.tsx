import { type JSX, Show } from "solid-js";
import type { Presented } from "../lib/errors";
import { TriangleAlert } from "./icons";

/**
 * An error on the page: what happened (title), why (one line), what to do, and the raw text
 * folded under "Details". Buttons for the action (Retry, Go to line…) go in `children`.
 */
export function ErrorNotice(props: {
  /** From `presentError`; `title`, `cause`, `action` and `details` below override its parts. */
  error?: Presented;
  title?: string;
  cause?: JSX.Element;
  action?: string;
  details?: string;
  /** `warn` for something that is not (yet) a failure. */
  tone?: "err" | "warn";
  testid?: string;
  /** Buttons: the action to take. */
  children?: JSX.Element;
  class?: string;
}) {
  const title = () => props.title ?? props.error?.title ?? "";
  const cause = () => props.cause ?? props.error?.cause;
  const action = () => props.action ?? props.error?.action;
  const details = () => props.details ?? props.error?.details;
  const warn = () => props.tone === "warn";
  return (
    <div
      role="alert"
      data-testid={props.testid}
      class={`flex flex-wrap items-start gap-3 rounded-lg border p-3 text-[13px] ${warn() ? "border-warn/40 bg-warn/10" : "border-err/40 bg-err/10"} ${props.class ?? ""}`}
    >
      <TriangleAlert size={18} class={`shrink-0 mt-px ${warn() ? "text-warn" : "text-err"}`} aria-hidden="true" />
      <div class="flex-1 min-w-48 space-y-0.5">
        <div class="font-medium">{title()}</div>
        <Show when={cause()}>
          <div class="break-words" data-part="cause">{cause()}</div>
        </Show>
        <Show when={action()}>
          <div class="text-muted" data-part="action">{action()}</div>
        </Show>
        <Show when={details()}>
          <details class="pt-1 text-muted">
            <summary class="cursor-pointer select-none w-fit rounded text-[12px] hover:text-fg">Details</summary>
            <pre class="mt-1 max-h-48 overflow-auto whitespace-pre-wrap break-words rounded-md border border-line bg-surface px-2.5 py-2 font-mono text-[12px] text-fg">{details()}</pre>
          </details>
        </Show>
      </div>
      <Show when={props.children}>
        <div class="flex flex-wrap items-center gap-2 self-center">{props.children}</div>
      </Show>
    </div>
  );
}
