import { Dialog } from "@kobalte/core/dialog";
import { createEffect, createMemo, createSignal, createUniqueId, For, on, Show } from "solid-js";
import { filterItems, type PaletteItem } from "../lib/palette";
import { CornerDownLeft, Search } from "./icons";
import { Kbd } from "./Tooltip";

/**
 * Ctrl/Cmd+K: find a page, an action, a conversation or a setting by typing, move with the
 * arrow keys, run with Enter; Escape closes. `items` may change as the query does (`onQuery`).
 */
export function CommandPalette(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  items: readonly PaletteItem[];
  /** The query as it is typed (e.g. to search conversations on the gateway). */
  onQuery?: (query: string) => void;
  placeholder?: string;
}) {
  const [query, setQuery] = createSignal("");
  const [active, setActive] = createSignal(0);
  const listId = createUniqueId();
  let list: HTMLDivElement | undefined;
  const shown = createMemo(() => filterItems(props.items, query()));
  /** The shown entries by group, in the order the groups first appear. */
  const groups = createMemo(() => {
    const out: { name: string; items: { item: PaletteItem; index: number }[] }[] = [];
    shown().forEach((item, index) => {
      let g = out.find((x) => x.name === item.group);
      if (!g) {
        g = { name: item.group, items: [] };
        out.push(g);
      }
      g.items.push({ item, index });
    });
    return out;
  });
  // Grouping reorders: the arrow keys follow what is on screen.
  const order = createMemo(() => groups().flatMap((g) => g.items.map((x) => x.item)));
  const optionId = (i: number) => `${listId}-${i}`;

  createEffect(
    on(
      () => props.open,
      (open) => {
        if (open) {
          setQuery("");
          setActive(0);
          props.onQuery?.("");
        }
      },
    ),
  );
  createEffect(on(order, () => setActive(0), { defer: true }));
  createEffect(() => {
    if (!list) return;
    document.getElementById(optionId(active()))?.scrollIntoView?.({ block: "nearest" });
  });

  const run = (item: PaletteItem | undefined) => {
    if (!item) return;
    props.onOpenChange(false);
    void item.run();
  };
  const move = (by: number) => {
    const n = order().length;
    if (n) setActive((a) => (a + by + n) % n);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") move(1);
    else if (e.key === "ArrowUp") move(-1);
    else if (e.key === "Home" && e.ctrlKey) setActive(0);
    else if (e.key === "End" && e.ctrlKey) setActive(order().length - 1);
    else if (e.key === "Enter") run(order()[active()]);
    else return;
    e.preventDefault();
  };

  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay class="fixed inset-0 bg-black/30 z-40" />
        <div class="fixed inset-0 z-50 flex items-start justify-center p-6 pt-[12vh]">
          <Dialog.Content class="w-full max-w-xl rounded-lg border border-line bg-surface text-fg shadow-2xl overflow-hidden" data-testid="palette">
            <Dialog.Title class="sr-only">Command palette</Dialog.Title>
            <div class="flex items-center gap-2 px-3.5 h-12 border-b border-line">
              <Search size={16} class="text-muted shrink-0" aria-hidden="true" />
              <input
                role="combobox"
                aria-expanded="true"
                aria-controls={listId}
                aria-autocomplete="list"
                aria-activedescendant={order().length ? optionId(active()) : undefined}
                aria-label="Search pages, actions, conversations and settings"
                data-testid="palette-input"
                class="flex-1 bg-transparent outline-none text-[14px] placeholder:text-muted"
                placeholder={props.placeholder ?? "Search pages, actions, conversations, settings…"}
                value={query()}
                onInput={(e) => {
                  setQuery(e.currentTarget.value);
                  props.onQuery?.(e.currentTarget.value);
                }}
                onKeyDown={onKeyDown}
                autocomplete="off"
                spellcheck={false}
              />
              <Kbd>Esc</Kbd>
            </div>
            <div ref={list} id={listId} role="listbox" aria-label="Results" class="max-h-[55vh] overflow-auto p-1.5">
              <Show when={order().length} fallback={<div class="px-3 py-8 text-center text-[13px] text-muted">Nothing matches “{query()}”.</div>}>
                <For each={groups()}>
                  {(g) => (
                    // biome-ignore lint/a11y/useSemanticElements: a group of options inside a listbox (ARIA), which a <fieldset> cannot be
                    <div role="group" aria-label={g.name} class="pb-1">
                      <div class="px-2.5 pt-2 pb-1 text-[11px] font-semibold uppercase tracking-wide text-muted" aria-hidden="true">
                        {g.name}
                      </div>
                      <For each={g.items}>
                        {({ item }) => {
                          const pos = () => order().indexOf(item);
                          return (
                            // biome-ignore lint/a11y/useKeyWithClickEvents: the options are reached with the arrow keys from the search box (aria-activedescendant), as in an ARIA combobox
                            <div
                              id={optionId(pos())}
                              role="option"
                              tabIndex={-1}
                              aria-selected={pos() === active()}
                              data-testid="palette-item"
                              class={`flex items-center gap-3 rounded-md px-2.5 py-1.5 cursor-default ${pos() === active() ? "bg-accent/12 text-fg" : "text-fg"}`}
                              onPointerMove={() => setActive(pos())}
                              onClick={() => run(item)}
                            >
                              <div class="flex-1 min-w-0">
                                <div class="text-[13px] truncate" data-part="label">{item.label}</div>
                                <Show when={item.hint}>
                                  <div class="text-[12px] text-muted truncate">{item.hint}</div>
                                </Show>
                              </div>
                              <Show when={item.shortcut}>{(s) => <Kbd>{s()}</Kbd>}</Show>
                              <Show when={pos() === active()}>
                                <CornerDownLeft size={14} class="text-muted" aria-hidden="true" />
                              </Show>
                            </div>
                          );
                        }}
                      </For>
                    </div>
                  )}
                </For>
              </Show>
            </div>
          </Dialog.Content>
        </div>
      </Dialog.Portal>
    </Dialog>
  );
}
