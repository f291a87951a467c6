import { For, Show } from "solid-js";
import type { Job, JobStep } from "../../bindings";
import { Button } from "../../shared/ui/Button";
import { Circle, CircleCheck, CircleX, LoaderCircle } from "../../shared/ui/icons";

function StepIcon(props: { step: JobStep }) {
  switch (props.step.state) {
    case "done":
      return <CircleCheck size={16} class="text-ok shrink-0" />;
    case "failed":
      return <CircleX size={16} class="text-err shrink-0" />;
    case "running":
      return <LoaderCircle size={16} class="text-accent animate-spin shrink-0" />;
    case "skipped":
      return <Circle size={16} class="text-muted shrink-0" />;
    default:
      return <Circle size={16} class="text-line shrink-0" />;
  }
}

/** How a finished job ended, in a sentence and a colour. */
export function outcome(job: Job): { text: string; tone: string } | null {
  const st = job.state;
  switch (st.kind) {
    case "succeeded":
      return { text: st.summary, tone: "text-ok" };
    case "failed":
      return { text: st.reason, tone: "text-err" };
    case "cancelled":
      return { text: "Cancelled. Nothing half-finished was left on the host.", tone: "text-muted" };
    default:
      return null;
  }
}

/** A job's steps with their state, a progress bar, its outcome, its log, and Cancel. */
export function JobView(props: { job: Job; onCancel: () => void }) {
  const running = () => props.job.state.kind === "running";
  const pct = () => Math.round((props.job.progress ?? 0) * 100);
  return (
    <section class="rounded-lg border border-line bg-surface p-4 space-y-3" data-testid="job" data-state={props.job.state.kind} aria-live="polite">
      <div class="flex items-center gap-3">
        <div class="flex-1 h-1.5 rounded bg-surface-2 overflow-hidden" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct()} aria-label="Progress">
          <div
            class={`h-full transition-[width] duration-300 ${props.job.state.kind === "failed" ? "bg-err" : props.job.state.kind === "cancelled" ? "bg-idle" : "bg-accent"}`}
            style={{ width: `${pct()}%` }}
          />
        </div>
        <span class="text-xs tabular-nums text-muted w-10 text-right">{pct()}%</span>
        <Show when={running()}>
          <Button variant="secondary" class="h-7" data-testid="job-cancel" onClick={() => props.onCancel()}>
            Cancel
          </Button>
        </Show>
      </div>
      <ol class="space-y-1.5">
        <For each={props.job.steps}>
          {(s) => (
            <li class="flex items-start gap-2 text-[13px]" data-testid="job-step" data-state={s.state}>
              <StepIcon step={s} />
              <span class="min-w-0">
                <span class={s.state === "pending" ? "text-muted" : "font-medium"}>{s.name}</span>
                <Show when={s.detail}>
                  <span class={`block text-xs break-words ${s.state === "failed" ? "text-err" : "text-muted"}`}>{s.detail}</span>
                </Show>
              </span>
            </li>
          )}
        </For>
      </ol>
      <Show when={outcome(props.job)}>
        {(o) => (
          <p class={`text-[13px] break-words ${o().tone}`} data-testid="job-outcome">
            {o().text}
          </p>
        )}
      </Show>
      <Show when={props.job.log.length}>
        <details class="text-xs">
          <summary class="cursor-pointer text-muted">Log ({props.job.log.length} lines)</summary>
          <pre class="mt-2 max-h-48 overflow-auto rounded bg-surface-2 p-2 font-mono whitespace-pre-wrap">{props.job.log.join("\n")}</pre>
        </details>
      </Show>
    </section>
  );
}
