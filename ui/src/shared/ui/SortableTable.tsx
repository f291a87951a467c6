import { createVirtualizer } from "@tanstack/solid-virtual";
import { createEffect, createMemo, createSignal, For, type JSX, Show } from "solid-js";
import { ArrowDown, ArrowUp, ArrowUpDown, Search } from "./icons";

export type Column<T> = {
  id: string;
  header: string;
  cell: (row: T) => JSX.Element;
  /** Makes the column sortable: the ascending order. */
  sort?: (a: T, b: T) => number;
  /** The first click sorts this way (numbers and dates: largest / newest first). */
  firstDir?: SortDir;
  align?: "left" | "right";
  /** Classes of the column's cells (width, wrapping). */
  class?: string;
};

export type SortDir = "ascending" | "descending";
export type SortState = { column: string; dir: SortDir } | null;

/** The rows in the order of `sort` (stable: equal rows keep their order). */
export function sortRows<T>(rows: readonly T[], columns: readonly Column<T>[], sort: SortState): T[] {
  const col = sort && columns.find((c) => c.id === sort.column);
  if (!sort || !col?.sort) return [...rows];
  const by = col.sort;
  const sign = sort.dir === "ascending" ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => sign * by(a.row, b.row) || a.i - b.i)
    .map((x) => x.row);
}

/** The search box above a table. */
export function TableFilter(props: { value: string; onInput: (q: string) => void; label: string; placeholder?: string; testid?: string; class?: string }) {
  return (
    <label class={`flex items-center gap-2 rounded-md border border-line bg-surface px-2.5 h-8 w-80 focus-within:outline-2 focus-within:outline-accent focus-within:outline-offset-2 ${props.class ?? ""}`}>
      <Search size={15} class="text-muted shrink-0" aria-hidden="true" />
      <input
        type="search"
        aria-label={props.label}
        data-testid={props.testid}
        class="flex-1 min-w-0 bg-transparent outline-none text-[13px]"
        placeholder={props.placeholder}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </label>
  );
}

/**
 * A table whose columns sort (click a header; `aria-sort` says how), whose rows can be
 * filtered (`filter` + `match`) and selected. The selection is a key, so it survives sorting and
 * filtering; ↑/↓ (Home/End) move it, Enter activates. With `rowHeight` only the visible rows
 * are in the DOM, and `onNearEnd` asks for more as the list scrolls.
 */
export function SortableTable<T>(props: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  /** Caption for assistive technology. */
  label: string;
  selected?: string | null;
  onSelect?: (row: T) => void;
  onActivate?: (row: T) => void;
  initialSort?: SortState;
  /** Local filtering: the query and how a row matches it. */
  filter?: string;
  match?: (row: T, query: string) => boolean;
  /** What the rows are while loading (skeleton rows) and when there are none. */
  loading?: boolean;
  empty?: JSX.Element;
  /** Virtual rows of this height, px. */
  rowHeight?: number;
  onNearEnd?: () => void;
  testid?: string;
  rowTestid?: string;
  /** The scroll container (e.g. to reset it on a new search). */
  ref?: (el: HTMLDivElement) => void;
  /** Classes of the scroll container. */
  class?: string;
}) {
  const [sort, setSort] = createSignal<SortState>(props.initialSort ?? null);
  let scroller: HTMLDivElement | undefined;
  let body: HTMLTableSectionElement | undefined;

  const shown = createMemo(() => {
    const q = (props.filter ?? "").trim().toLowerCase();
    const match = props.match;
    const rows = q && match ? props.rows.filter((r) => match(r, q)) : props.rows;
    return sortRows(rows, props.columns, sort());
  });
  const selectedIndex = () => shown().findIndex((r) => props.rowKey(r) === props.selected);

  const virtual = createVirtualizer({
    get count() {
      return props.rowHeight ? shown().length : 0;
    },
    getScrollElement: () => scroller ?? null,
    estimateSize: () => props.rowHeight ?? 40,
    overscan: 12,
    // Measured on mount; the initial size lets the first frame (and jsdom) render rows.
    initialRect: { width: 800, height: 600 },
  });
  const windowRows = createMemo(() => {
    if (!props.rowHeight) return shown().map((row, index) => ({ row, index }));
    return virtual.getVirtualItems().flatMap((v) => {
      const row = shown()[v.index];
      return row === undefined ? [] : [{ row, index: v.index }];
    });
  });
  // Near the end of what is loaded: ask for more.
  createEffect(() => {
    if (!props.rowHeight) return;
    const last = virtual.getVirtualItems().at(-1);
    if (last && last.index >= shown().length - 20) props.onNearEnd?.();
  });
  const padTop = () => (props.rowHeight ? (virtual.getVirtualItems()[0]?.start ?? 0) : 0);
  const padBottom = () => (props.rowHeight ? virtual.getTotalSize() - (virtual.getVirtualItems().at(-1)?.end ?? 0) : 0);

  const toggle = (c: Column<T>) => {
    if (!c.sort) return;
    const cur = sort();
    const first = c.firstDir ?? "ascending";
    const other: SortDir = first === "ascending" ? "descending" : "ascending";
    setSort(cur?.column === c.id ? { column: c.id, dir: cur.dir === first ? other : first } : { column: c.id, dir: first });
  };

  /** Selects the row at `index` (in the shown order) and moves the focus to it. */
  const goTo = (index: number) => {
    const rows = shown();
    if (!rows.length) return;
    const i = Math.max(0, Math.min(rows.length - 1, index));
    const row = rows[i];
    props.onSelect?.(row);
    if (props.rowHeight) virtual.scrollToIndex(i, { align: "auto" });
    const focus = (tries = 0) => {
      const key = props.rowKey(row);
      const el = [...(body?.querySelectorAll("tr[data-key]") ?? [])].find((tr) => tr instanceof HTMLElement && tr.dataset.key === key);
      if (el instanceof HTMLElement) el.focus();
      else if (tries < 10) requestAnimationFrame(() => focus(tries + 1));
    };
    queueMicrotask(() => focus());
  };

  const onKeyDown = (e: KeyboardEvent, row: T, index: number) => {
    if (e.key === "ArrowDown") goTo(index + 1);
    else if (e.key === "ArrowUp") goTo(index - 1);
    else if (e.key === "Home") goTo(0);
    else if (e.key === "End") goTo(shown().length - 1);
    else if (e.key === "Enter") props.onActivate ? props.onActivate(row) : props.onSelect?.(row);
    else if (e.key === " ") props.onSelect?.(row);
    else return;
    e.preventDefault();
  };

  /** The row the Tab key reaches: the selected one, else the first. */
  const tabStop = (index: number) => (selectedIndex() >= 0 ? index === selectedIndex() : index === 0);

  return (
    <div
      ref={(el) => {
        scroller = el;
        props.ref?.(el);
      }}
      class={`flex-1 min-h-0 overflow-auto rounded-lg border border-line bg-surface ${props.class ?? ""}`}
    >
      <table class="w-full text-[13px] border-collapse" data-testid={props.testid} aria-label={props.label}>
        <thead class="sticky top-0 z-[1] bg-surface text-muted text-xs text-left">
          <tr class="border-b border-line">
            <For each={props.columns}>
              {(c) => (
                <th
                  scope="col"
                  aria-sort={c.sort ? (sort()?.column === c.id ? sort()?.dir : "none") : undefined}
                  class={`font-medium px-3 py-2 whitespace-nowrap ${c.align === "right" ? "text-right" : ""}`}
                >
                  <Show when={c.sort} fallback={c.header}>
                    <button
                      type="button"
                      data-testid={props.testid ? `${props.testid}-sort-${c.id}` : undefined}
                      class={`inline-flex items-center gap-1 rounded hover:text-fg ${sort()?.column === c.id ? "text-fg" : ""} ${c.align === "right" ? "flex-row-reverse" : ""}`}
                      onClick={() => toggle(c)}
                    >
                      {c.header}
                      <Show when={sort()?.column === c.id} fallback={<ArrowUpDown size={12} class="opacity-40" aria-hidden="true" />}>
                        <Show when={sort()?.dir === "ascending"} fallback={<ArrowDown size={12} aria-hidden="true" />}>
                          <ArrowUp size={12} aria-hidden="true" />
                        </Show>
                      </Show>
                    </button>
                  </Show>
                </th>
              )}
            </For>
          </tr>
        </thead>
        <tbody ref={body}>
          <Show
            when={!props.loading}
            fallback={
              <For each={[1, 2, 3, 4]}>
                {() => (
                  <tr>
                    <td colSpan={props.columns.length} class="px-3 py-2">
                      <div class="tp-skeleton h-5" />
                    </td>
                  </tr>
                )}
              </For>
            }
          >
            <Show
              when={shown().length > 0}
              fallback={
                <tr>
                  <td colSpan={props.columns.length} class="px-3 py-10 text-center text-muted">
                    {props.empty}
                  </td>
                </tr>
              }
            >
              <Show when={padTop() > 0}>
                {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: an empty spacer row (no tabindex) for the rows scrolled out; Biome counts every <tr> as focusable */}
                <tr aria-hidden="true" style={{ height: `${padTop()}px` }} />
              </Show>
              <For each={windowRows()}>
                {(r) => (
                  <tr
                    data-testid={props.rowTestid}
                    data-key={props.rowKey(r.row)}
                    style={props.rowHeight ? { height: `${props.rowHeight}px` } : undefined}
                    tabIndex={tabStop(r.index) ? 0 : -1}
                    aria-selected={props.onSelect ? props.rowKey(r.row) === props.selected : undefined}
                    onClick={() => props.onSelect?.(r.row)}
                    onDblClick={() => props.onActivate?.(r.row)}
                    onKeyDown={(e) => onKeyDown(e, r.row, r.index)}
                    class={`border-b border-line cursor-pointer outline-offset-[-2px] ${props.rowKey(r.row) === props.selected ? "bg-accent/10" : "hover:bg-surface-2"}`}
                  >
                    <For each={props.columns}>
                      {(c) => <td class={`px-3 py-2 ${c.align === "right" ? "text-right tabular-nums" : ""} ${c.class ?? ""}`}>{c.cell(r.row)}</td>}
                    </For>
                  </tr>
                )}
              </For>
              <Show when={padBottom() > 0}>
                {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: an empty spacer row (no tabindex); Biome counts every <tr> as focusable */}
                <tr aria-hidden="true" style={{ height: `${padBottom()}px` }} />
              </Show>
            </Show>
          </Show>
        </tbody>
      </table>
    </div>
  );
}
