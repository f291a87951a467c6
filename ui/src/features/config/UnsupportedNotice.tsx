import { createSignal, For, Show } from "solid-js";
import { plural } from "../../shared/lib/format";
import { ChevronRight, Info } from "../../shared/ui/icons";

/** OpenClaw settings in the file that Tidepool accepts but does not act on yet: a calm note,
 *  folded to one line until opened. Not a problem: the file is valid and they are kept. */
export function UnsupportedNotice(props: { paths: string[] }) {
  const [open, setOpen] = createSignal(false);
  const headline = () =>
    `${plural(props.paths.length, "OpenClaw setting")} ${props.paths.length === 1 ? "is" : "are"} not used by Tidepool yet`;
  return (
    <div role="note" data-testid="config-unsupported" class="rounded-lg border border-line bg-surface text-[13px]">
      <button
        type="button"
        class="w-full flex items-center gap-2 px-3 h-10 text-left rounded-lg hover:bg-surface-2"
        aria-expanded={open()}
        aria-controls="config-unsupported-list"
        data-testid="config-unsupported-toggle"
        onClick={() => setOpen(!open())}
      >
        <Info size={16} class="text-muted shrink-0" aria-hidden="true" />
        <span class="flex-1">{headline()}</span>
        <span class="text-muted text-xs">{open() ? "Hide" : "Show"}</span>
        <ChevronRight size={14} class={`text-muted transition-transform ${open() ? "rotate-90" : ""}`} aria-hidden="true" />
      </button>
      <Show when={open()}>
        <div id="config-unsupported-list" class="border-t border-line px-3 py-2.5 space-y-2">
          <p class="text-muted">
            They are valid OpenClaw settings and stay in the file (saving keeps them), but Tidepool does not act on them
            yet.
          </p>
          <ul class="font-mono text-[12px] space-y-0.5" data-testid="config-unsupported-list">
            <For each={props.paths}>{(p) => <li>{p}</li>}</For>
          </ul>
        </div>
      </Show>
    </div>
  );
}
