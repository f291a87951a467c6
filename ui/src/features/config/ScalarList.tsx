// The config form's plain values: a default as people read it, and lists of words or numbers
// edited in place.
import { For, Show } from "solid-js";

/** A default as people read it: "Default: 30000", "Default: on". */
export function defaultText(v: unknown): string | null {
  if (v === undefined || v === null || v === "") return null;
  if (typeof v === "boolean") return `Default: ${v ? "on" : "off"}`;
  if (Array.isArray(v)) return v.length ? `Default: ${v.join(", ")}` : null;
  if (typeof v === "object") return null;
  return `Default: ${String(v)}`;
}

/** Help without the default it mentions ("…, tokens (default 20000)." → "…, tokens."), for a
 *  setting whose "Default: N" line is shown under it. */
export function withoutDefault(help: string): string {
  return help
    .replace(/\s*\((?:the )?default[:\s][^)]*\)/gi, "")
    .replace(/[;,]\s*default\s+[^;,.]+(?=[.;]|$)/gi, "")
    .replace(/\s+([.;,])/g, "$1")
    .trim();
}

/** A list of words or numbers edited in place: each item removable, one added with Enter. */
export function ScalarList(props: { id: string; label: string; items: unknown[]; numeric: boolean; onChange: (items: unknown[] | undefined) => void }) {
  let input: HTMLInputElement | undefined;
  const add = () => {
    const raw = input?.value.trim() ?? "";
    if (!raw) return;
    const v = props.numeric ? Number(raw) : raw;
    if (props.numeric && !Number.isFinite(v)) return;
    props.onChange([...props.items, v]);
    if (input) input.value = "";
  };
  return (
    <div class="flex flex-col items-stretch gap-1.5 w-full" data-testid={props.id}>
      <Show when={props.items.length} fallback={<span class="text-[12px] text-muted">None</span>}>
        <ul class="flex flex-wrap gap-1" aria-label={props.label}>
          <For each={props.items}>
            {(item, i) => (
              <li class="inline-flex items-center gap-1 rounded bg-surface-2 pl-2 pr-0.5 h-6 font-mono text-[12px]">
                {String(item)}
                <button
                  type="button"
                  class="rounded px-1 text-muted hover:text-err"
                  aria-label={`Remove ${String(item)}`}
                  data-testid={`${props.id}-remove-${i()}`}
                  onClick={() => {
                    const next = props.items.filter((_, j) => j !== i());
                    props.onChange(next.length ? next : undefined);
                  }}
                >
                  ×
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <input
        ref={input}
        data-testid={`${props.id}-add`}
        aria-label={`Add to ${props.label}`}
        placeholder="Add, then Enter"
        inputmode={props.numeric ? "numeric" : undefined}
        class="w-full h-8 rounded-md border border-line bg-surface px-2 font-mono text-[12px]"
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            add();
          }
        }}
      />
    </div>
  );
}

/** A new value, or how to make it from the current one (a list changed item by item is
 *  computed from the list as it is when the edit runs, so quick edits do not undo each other). */
