import { For, Show } from "solid-js";
import { plural } from "../../shared/lib/format";
import { summarizeChanges } from "./changes";

/** What a save changes, setting by setting, above the text diff. */
export function ChangeSummary(props: { before: string; after: string }) {
  const changes = () => summarizeChanges(props.before, props.after);
  return (
    <Show when={changes()}>
      {(list) => (
        <div class="mb-3 text-[13px]" data-testid="change-summary">
          <div class="font-medium mb-1">{list().length ? plural(list().length, "setting") : "No setting"} changed</div>
          <ul class="space-y-0.5">
            <For each={list()}>
              {(c) => (
                <li class="flex flex-wrap items-baseline gap-x-2">
                  <span class="font-mono">{c.path}</span>
                  <span class="text-muted">
                    {c.kind === "added"
                      ? c.after === undefined
                        ? "added"
                        : `added: ${c.after}`
                      : c.kind === "removed"
                        ? "removed (back to its default)"
                        : c.before === undefined
                          ? "changed"
                          : `${c.before} → ${c.after}`}
                  </span>
                </li>
              )}
            </For>
          </ul>
        </div>
      )}
    </Show>
  );
}
