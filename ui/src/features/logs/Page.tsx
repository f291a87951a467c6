import { createVirtualizer } from "@tanstack/solid-virtual";
import { Check, ChevronRight, Copy, Download, Pause, Play, RotateCw, Search, Trash2 } from "../../shared/ui/icons";
import { createEffect, createMemo, createSignal, For, on, Show } from "solid-js";
import { commands, type LogLine } from "../../bindings";
import { Button } from "../../shared/ui/Button";
import { clock } from "../../shared/lib/format";
import { isUp, remoteHost, usedHost } from "../../shared/lib/gateway";
import { clearLines, held, lineText, lines, loaded, paused, restoreLines, setPaused } from "./store";
import { toast } from "../../shared/ui/Toast";
import { plural } from "../../shared/lib/format";

const LEVELS = ["error", "warn", "info", "debug"] as const;
type Level = (typeof LEVELS)[number];

const levelClass: Record<string, string> = {
  error: "text-err",
  warn: "text-warn",
  info: "text-ok",
  debug: "text-muted",
  trace: "text-muted",
  raw: "text-muted",
};

export function Logs() {
  const [query, setQuery] = createSignal("");
  const [levels, setLevels] = createSignal<Set<Level>>(new Set(LEVELS));
  const [follow, setFollow] = createSignal(true);
  // The line shown whole, with its fields (by its sequence number: it survives new lines).
  const [open, setOpen] = createSignal<number | null>(null);
  let scroller!: HTMLElement;
  const filtering = () => query().trim() !== "" || levels().size !== LEVELS.length;
  const resetFilters = () => {
    setQuery("");
    setLevels(new Set(LEVELS));
  };

  const filtered = createMemo(() => {
    const q = query().trim().toLowerCase();
    const lv = levels();
    const all = lines();
    if (!q && lv.size === LEVELS.length) return all;
    return all.filter((l) => {
      const level = LEVELS.find((x) => x === l.level);
      if (level && !lv.has(level)) return false;
      if (!q) return true;
      return lineText(l).toLowerCase().includes(q);
    });
  });

  const virtual = createVirtualizer({
    get count() {
      return filtered().length;
    },
    getScrollElement: () => scroller,
    estimateSize: () => 22,
    overscan: 20,
    // Rows are measured: an opened line is taller.
    getItemKey: (i) => filtered()[i]?.seq ?? i,
    // Measured on mount; the initial size lets the first frame (and jsdom) render rows.
    initialRect: { width: 800, height: 600 },
  });

  // Stick to the newest line unless the user scrolled up.
  createEffect(
    on(filtered, (f) => {
      if (follow() && open() === null && f.length) queueMicrotask(() => virtual.scrollToIndex(f.length - 1, { align: "end" }));
    }),
  );

  function onScroll() {
    const el = scroller;
    setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 40);
  }

  function toggle(l: Level) {
    const next = new Set(levels());
    if (next.has(l)) next.delete(l);
    else next.add(l);
    setLevels(next);
  }

  async function copy() {
    const text = filtered().map(lineText).join("\n");
    try {
      await navigator.clipboard.writeText(text);
      toast.success(`Copied ${plural(filtered().length, "line")}`);
    } catch {
      toast.error("The clipboard is not available here", "Use Export to save the lines to a file instead.");
    }
  }

  async function exportLines() {
    const n = filtered().length;
    const r = await commands.logsExport(`${filtered().map(lineText).join("\n")}\n`);
    if (r.status === "ok") toast.success(`Exported ${plural(n, "line")}`, r.data);
    else if (r.error.kind !== "cancelled") toast.error("The lines were not exported", r.error.message);
  }

  /** Clears the view at once and offers Undo (the files on disk keep every line). */
  function clear() {
    const cleared = clearLines();
    toast.info(`Cleared ${plural(cleared.length, "line")} from this view`, "The log files on disk keep them.", {
      action: { label: "Undo", run: () => restoreLines(cleared) },
    });
  }

  return (
    <div class="flex flex-col h-full">
      <Show when={remoteHost()}>
        <div role="status" data-testid="logs-remote" class="px-6 py-2 border-b border-line bg-accent/8 text-[13px]">
          The log of the gateway {usedHost() ? "on" : "at"} <span class="font-medium">{remoteHost()}</span>, read through Tidepool's connection
          {usedHost() ? " (over SSH)" : ""}. <Show when={!isUp()}>It continues where it stopped once Tidepool is connected again.</Show>
        </div>
      </Show>
      <div class="flex flex-wrap items-center gap-2 px-6 py-3 border-b border-line bg-surface">
        <div class="relative flex-1 min-w-40 max-w-72">
          <Search size={15} class="absolute left-2.5 top-2 text-muted" aria-hidden="true" />
          <input
            type="search"
            data-testid="log-search"
            placeholder="Search logs"
            aria-label="Search logs"
            class="h-8 w-full rounded-md border border-line bg-surface pl-8 pr-2 text-[13px]"
            value={query()}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </div>
        <fieldset aria-label="Levels" class="flex gap-1">
          <For each={LEVELS}>
            {(l) => (
              <button
                type="button"
                aria-pressed={levels().has(l)}
                data-testid={`level-${l}`}
                onClick={() => toggle(l)}
                aria-label={`Show ${l} lines`}
                class={`inline-flex items-center gap-1 h-8 pl-1.5 pr-2.5 rounded-md border text-xs font-semibold uppercase ${levels().has(l) ? `border-line bg-surface-2 ${levelClass[l]}` : "border-dashed border-line text-muted"}`}
              >
                <span class={`inline-flex size-3.5 items-center justify-center rounded-sm border ${levels().has(l) ? "border-current" : "border-line"}`} aria-hidden="true">
                  <Show when={levels().has(l)}>
                    <Check size={11} stroke-width={3} data-testid={`level-${l}-check`} />
                  </Show>
                </span>
                {l}
              </button>
            )}
          </For>
        </fieldset>
        <div class="ml-auto flex gap-1.5">
          <Button
            data-testid="log-pause"
            icon={paused() ? <Play size={15} /> : <Pause size={15} />}
            onClick={() => setPaused(!paused())}
          >
            {paused() ? `Resume${held() ? ` (${held()} new)` : ""}` : "Pause"}
          </Button>
          <Button icon={<Copy size={15} />} onClick={copy} disabled={!filtered().length}>
            Copy
          </Button>
          <Button data-testid="logs-export" icon={<Download size={15} />} onClick={exportLines} disabled={!filtered().length}>
            Export
          </Button>
          <Button variant="ghost" data-testid="log-clear" icon={<Trash2 size={15} />} onClick={clear} disabled={!lines().length} tooltip="Empties this view; the log files keep every line">
            Clear
          </Button>
        </div>
      </div>
      <div class="flex items-center gap-3 px-6 h-8 text-xs text-muted border-b border-line" aria-live="polite">
        <span data-testid="log-count">
          {filtered().length === lines().length
            ? `${lines().length.toLocaleString()} lines`
            : `${filtered().length.toLocaleString()} of ${lines().length.toLocaleString()} lines`}
        </span>
        <Show when={!follow() && filtered().length > 0}>
          <button type="button" class="ml-auto text-accent" onClick={() => { setFollow(true); virtual.scrollToIndex(filtered().length - 1, { align: "end" }); }}>
            Jump to newest
          </button>
        </Show>
      </div>
      <section ref={scroller} onScroll={onScroll} class="flex-1 overflow-auto font-mono text-[12px] leading-[22px]" data-testid="log-list" tabindex="0" aria-label="Log lines">
        <Show
          when={loaded() || lines().length > 0}
          fallback={
            <div class="p-6 space-y-2" role="progressbar" aria-busy="true" aria-label="Loading">
              <div class="tp-skeleton h-4 w-3/4" />
              <div class="tp-skeleton h-4 w-2/3" />
              <div class="tp-skeleton h-4 w-4/5" />
            </div>
          }
        >
          <Show
            when={filtered().length > 0}
            fallback={
              <div class="p-10 text-center font-sans text-[13px] text-muted space-y-3" data-testid="log-empty">
                <p>
                  {lines().length === 0
                    ? "No log lines yet. When the gateway runs, its log appears here — even while it is restarting."
                    : `No line matches the search and level filters (${plural(lines().length, "line")} hidden).`}
                </p>
                <Show when={lines().length > 0 && filtering()}>
                  <Button class="mx-auto" icon={<RotateCw size={14} />} data-testid="log-reset-filters" onClick={resetFilters}>
                    Reset filters
                  </Button>
                </Show>
              </div>
            }
          >
            <div style={{ height: `${virtual.getTotalSize()}px`, position: "relative" }}>
              <For each={virtual.getVirtualItems()}>
                {(row) => {
                  const l = (): LogLine | undefined => filtered()[row.index];
                  const isOpen = () => l()?.seq === open() && open() !== null;
                  const toggleLine = () => setOpen(isOpen() ? null : (l()?.seq ?? null));
                  return (
                    <div
                      data-testid="log-line"
                      data-index={row.index}
                      ref={(el) => queueMicrotask(() => el.isConnected && virtual.measureElement(el))}
                      class={`absolute left-0 right-0 ${isOpen() ? "bg-surface-2/70 border-y border-line" : ""}`}
                      style={{ transform: `translateY(${row.start}px)` }}
                    >
                      <button
                        type="button"
                        aria-expanded={isOpen()}
                        data-testid="log-line-toggle"
                        onClick={toggleLine}
                        onKeyDown={(e) => {
                          if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
                          e.preventDefault();
                          const next = row.index + (e.key === "ArrowDown" ? 1 : -1);
                          if (next < 0 || next >= filtered().length) return;
                          virtual.scrollToIndex(next);
                          queueMicrotask(() => scroller.querySelector<HTMLButtonElement>(`[data-index="${next}"] button`)?.focus());
                        }}
                        class="w-full h-[22px] flex items-center gap-1 pl-2 pr-6 text-left whitespace-pre overflow-hidden hover:bg-surface-2 rounded-sm"
                      >
                        <ChevronRight size={12} class={`shrink-0 text-muted transition-transform ${isOpen() ? "rotate-90" : ""}`} aria-hidden="true" />
                        <span class="min-w-0 overflow-hidden text-ellipsis">
                          <span class="text-muted">{clock(l()?.time ?? "")}</span>{" "}
                          <span class={`inline-block w-12 font-semibold uppercase ${levelClass[l()?.level ?? "raw"] ?? "text-muted"}`}>{l()?.level}</span>{" "}
                          <span>{l()?.message}</span>
                          <For each={l()?.fields ?? []}>
                            {([k, v]) => (
                              <span class="text-muted">
                                {" "}
                                {k}=<span class="text-fg/80">{v}</span>
                              </span>
                            )}
                          </For>
                        </span>
                      </button>
                      <Show when={isOpen() && l()}>
                        {(line) => (
                          <div class="pl-7 pr-6 pb-2 pt-1 space-y-2 whitespace-pre-wrap break-all" data-testid="log-line-details">
                            <div class="text-fg" data-testid="log-line-message">{line().message}</div>
                            <dl class="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-0.5 text-[11.5px]">
                              <dt class="text-muted">time</dt>
                              <dd>{line().time}</dd>
                              <dt class="text-muted">target</dt>
                              <dd>{line().target}</dd>
                              <For each={line().fields}>
                                {([k, v]) => (
                                  <>
                                    <dt class="text-muted" data-testid="log-field-name">{k}</dt>
                                    <dd data-testid="log-field-value">{v}</dd>
                                  </>
                                )}
                              </For>
                            </dl>
                          </div>
                        )}
                      </Show>
                    </div>
                  );
                }}
              </For>
            </div>
          </Show>
        </Show>
      </section>
    </div>
  );
}
