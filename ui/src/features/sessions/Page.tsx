import { createVirtualizer } from "@tanstack/solid-virtual";
import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { commands, type ChatMessageView, type SessionView } from "../../bindings";
import { Button } from "../../shared/ui/Button";
import { GatewayDown } from "../../shared/ui/GatewayDown";
import { Archive, Download, Eraser, MessageSquare, Search, Trash2, TriangleAlert } from "../../shared/ui/icons";
import { Modal } from "../../shared/ui/Modal";
import { toast } from "../../shared/ui/Toast";
import { errorText, initChat, openSession, refreshSessions, sessionsVersion } from "../chat/store";
import { isUp } from "../../shared/lib/gateway";

const when = (ms: number) => (ms ? new Date(ms).toLocaleString() : "");

type Confirm = { kind: "delete" | "reset"; session: SessionView };

/** Sessions fetched per request as the table scrolls. */
const PAGE = 100;
/** Estimated row height (two lines of text), px. */
const ROW = 53;

export function Sessions(props: { onOpen: (key: string) => void }) {
  const [query, setQuery] = createSignal("");
  const [selected, setSelected] = createSignal<SessionView | null>(null);
  const [preview, setPreview] = createSignal<ChatMessageView[] | null>(null);
  const [confirm, setConfirm] = createSignal<Confirm | null>(null);
  const [working, setWorking] = createSignal<string | null>(null);
  const [rows, setRows] = createSignal<SessionView[]>([]);
  const [total, setTotal] = createSignal(0);
  const [loaded, setLoaded] = createSignal(false);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const running = isUp;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let scroller: HTMLDivElement | undefined;

  // Pages of the list, loaded as the table scrolls. A new search or a refresh supersedes a
  // page still on its way (`generation`); a refresh keeps as many rows as were loaded.
  let generation = 0;
  let fetching = false;
  const load = async (mode: "search" | "refresh" | "more") => {
    if (mode === "more" && (fetching || rows().length >= total())) return;
    const mine = mode === "more" ? generation : ++generation;
    fetching = true;
    const offset = mode === "more" ? rows().length : 0;
    const limit = mode === "refresh" ? Math.max(PAGE, rows().length) : PAGE;
    const r = await commands.chatSessions(query().trim() || null, limit, offset);
    if (mine !== generation) return;
    fetching = false;
    if (r.status === "ok") {
      setRows(mode === "more" ? [...rows(), ...r.data.sessions] : r.data.sessions);
      setTotal(r.data.total);
      setLoadError(null);
    } else {
      setLoadError(errorText(r.error));
    }
    setLoaded(true);
  };

  onMount(async () => {
    onCleanup(() => clearTimeout(timer));
    await initChat();
    if (running()) await load("search");
  });
  // The shared list was reloaded (a run ended, a session changed): reload these pages too.
  createEffect(on(sessionsVersion, () => running() && void load("refresh"), { defer: true }));

  const search = (q: string) => {
    setQuery(q);
    clearTimeout(timer);
    timer = setTimeout(() => {
      scroller?.scrollTo?.({ top: 0 });
      void load("search");
    }, 200);
  };

  const virtual = createVirtualizer({
    get count() {
      return rows().length;
    },
    getScrollElement: () => scroller ?? null,
    estimateSize: () => ROW,
    overscan: 12,
    // Measured on mount; the initial size lets the first frame (and jsdom) render rows.
    initialRect: { width: 800, height: 600 },
  });
  createEffect(() => {
    const last = virtual.getVirtualItems().at(-1);
    if (last && last.index >= rows().length - 20) void load("more");
  });
  const padTop = () => virtual.getVirtualItems()[0]?.start ?? 0;
  const padBottom = () => virtual.getTotalSize() - (virtual.getVirtualItems().at(-1)?.end ?? 0);

  const select = async (s: SessionView) => {
    setSelected(s);
    setPreview(null);
    const r = await commands.chatHistory(s.key, 6);
    if (selected()?.key === s.key) setPreview(r.status === "ok" ? r.data.filter((m) => m.role !== "toolResult") : []);
  };

  async function run<T>(label: string, f: () => Promise<{ status: "ok"; data: T } | { status: "error"; error: Parameters<typeof errorText>[0] }>, done: (d: T) => string) {
    setWorking(label);
    const r = await f();
    setWorking(null);
    if (r.status === "ok") toast.success(done(r.data));
    else if (!("kind" in r.error && r.error.kind === "cancelled")) toast.error(`${label[0].toUpperCase()}${label.slice(1)} did not work`, errorText(r.error));
    // Reloads the shared list, whose version bump reloads these pages.
    await refreshSessions();
  }

  const doConfirm = async () => {
    const c = confirm();
    if (!c) return;
    setConfirm(null);
    if (c.kind === "delete") {
      await run("delete", () => commands.sessionsDelete(c.session.key), () => `Deleted "${c.session.title}".`);
      if (selected()?.key === c.session.key) setSelected(null);
    } else {
      await run("reset", () => commands.sessionsReset(c.session.key), () => `"${c.session.title}" starts fresh.`);
    }
  };

  return (
    <Show
      when={running()}
      fallback={<GatewayDown icon={<Archive size={28} />} why="Conversations are kept by the gateway." />}
    >
      <div class="h-full flex min-h-0">
        <div class="flex-1 min-w-0 flex flex-col p-4 gap-3">
          <div class="flex items-center gap-2">
            <label class="flex items-center gap-2 rounded-md border border-line bg-surface px-2.5 h-8 w-80">
              <Search size={15} class="text-muted" aria-hidden="true" />
              <input
                aria-label="Search conversations"
                data-testid="sessions-search"
                class="flex-1 bg-transparent outline-none text-[13px]"
                placeholder="Search by name or first message"
                value={query()}
                onInput={(e) => search(e.currentTarget.value)}
              />
            </label>
            <span class="text-xs text-muted" data-testid="sessions-count">
              {rows().length < total() ? `${rows().length.toLocaleString()} of ${total().toLocaleString()} loaded` : `${total().toLocaleString()} ${total() === 1 ? "conversation" : "conversations"}`}
            </span>
          </div>
          <Show when={loadError()}>
            <div role="alert" class="rounded-md border border-err/40 bg-err/5 p-3 text-[13px] flex items-center gap-2">
              <TriangleAlert size={16} class="text-err" />
              <span class="flex-1">{loadError()}</span>
              <Button variant="ghost" onClick={() => void load("refresh")}>Retry</Button>
            </div>
          </Show>
          <div ref={scroller} class="flex-1 min-h-0 overflow-auto rounded-lg border border-line bg-surface">
            <table class="w-full text-[13px]" data-testid="sessions-table">
              <thead class="sticky top-0 bg-surface text-muted text-xs text-left">
                <tr class="border-b border-line">
                  <th class="font-medium px-3 py-2">Conversation</th>
                  <th class="font-medium px-3 py-2 text-right">Messages</th>
                  <th class="font-medium px-3 py-2 text-right">Tokens</th>
                  <th class="font-medium px-3 py-2 text-right">Cost</th>
                  <th class="font-medium px-3 py-2">Last active</th>
                </tr>
              </thead>
              <tbody>
                <Show when={loaded()} fallback={<For each={[1, 2, 3, 4]}>{() => <tr><td colSpan={5} class="px-3 py-2"><div class="tp-skeleton h-5" /></td></tr>}</For>}>
                  <Show
                    when={rows().length > 0}
                    fallback={
                      <tr>
                        <td colSpan={5} class="px-3 py-10 text-center text-muted">
                          {query() ? "No conversation matches." : "No conversations yet. Start one in Chat."}
                        </td>
                      </tr>
                    }
                  >
                    <Show when={padTop() > 0}>
                      {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: an empty spacer row (no tabindex) for the rows scrolled out; Biome counts every <tr> as focusable */}
                      <tr aria-hidden="true" style={{ height: `${padTop()}px` }} />
                    </Show>
                    <For each={virtual.getVirtualItems().map((v) => rows()[v.index]).filter((s): s is SessionView => s !== undefined)}>
                      {(s) => (
                        <tr
                          data-testid="session-row"
                          style={{ height: `${ROW}px` }}
                          tabIndex={0}
                          aria-selected={selected()?.key === s.key}
                          onClick={() => void select(s)}
                          onKeyDown={(e) => e.key === "Enter" && void select(s)}
                          class={`border-b border-line cursor-pointer ${selected()?.key === s.key ? "bg-accent/10" : "hover:bg-surface-2"}`}
                        >
                          <td class="px-3 py-2">
                            <div class="font-medium truncate max-w-80">{s.title}</div>
                            <div class="text-xs text-muted font-mono">{s.key}</div>
                          </td>
                          <td class="px-3 py-2 text-right tabular-nums">{s.messageCount}</td>
                          <td class="px-3 py-2 text-right tabular-nums">{s.totalTokens.toLocaleString()}</td>
                          <td class="px-3 py-2 text-right tabular-nums">${(s.costUsd ?? 0).toFixed(2)}</td>
                          <td class="px-3 py-2 text-muted">{when(s.updatedAt)}</td>
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
        </div>

        <Show when={selected()}>
          {(s) => (
            <aside class="w-80 shrink-0 border-l border-line bg-surface p-4 flex flex-col gap-3 min-h-0" aria-label="Conversation details">
              <div>
                <div class="font-semibold truncate">{s().title}</div>
                <div class="text-xs text-muted font-mono break-all">{s().key}</div>
              </div>
              <div class="flex flex-wrap gap-2">
                <Button variant="primary" icon={<MessageSquare size={14} />} onClick={() => { void openSession(s().key); props.onOpen(s().key); }}>
                  Open in Chat
                </Button>
                <Button icon={<Download size={14} />} loading={working() === "export"} onClick={() => void run("export", () => commands.sessionsExport(s().key, "markdown"), (p) => `Saved to ${p}`)}>
                  Export
                </Button>
                <Button icon={<Archive size={14} />} loading={working() === "compact"} onClick={() => void run("compact", () => commands.sessionsCompact(s().key), (m) => m)}>
                  Compact
                </Button>
                <Button icon={<Eraser size={14} />} onClick={() => setConfirm({ kind: "reset", session: s() })}>
                  Reset
                </Button>
                <Button variant="danger" icon={<Trash2 size={14} />} data-testid="delete-session" onClick={() => setConfirm({ kind: "delete", session: s() })}>
                  Delete
                </Button>
              </div>
              <div class="text-xs text-muted">Recent messages</div>
              <div class="flex-1 overflow-auto space-y-2">
                <Show when={preview()} fallback={<div class="tp-skeleton h-24" />}>
                  <Show when={(preview() ?? []).length > 0} fallback={<div class="text-[13px] text-muted">No messages.</div>}>
                    <For each={preview()}>
                      {(m) => (
                        <div class="text-[13px]">
                          <span class="text-xs text-muted">{m.role === "user" ? "You" : m.role === "assistant" ? "Assistant" : "Summary"}: </span>
                          <span class="line-clamp-3">{m.text || (m.toolCalls.length ? `[used ${m.toolCalls.map((t) => t.name).join(", ")}]` : m.errorMessage ?? "")}</span>
                        </div>
                      )}
                    </For>
                  </Show>
                </Show>
              </div>
            </aside>
          )}
        </Show>

        <Modal
          open={confirm() !== null}
          onClose={() => setConfirm(null)}
          title={confirm()?.kind === "delete" ? `Delete "${confirm()?.session.title}"?` : `Start "${confirm()?.session.title}" fresh?`}
          actions={
            <>
              <Button onClick={() => setConfirm(null)}>Cancel</Button>
              <Button variant={confirm()?.kind === "delete" ? "danger" : "primary"} data-testid="confirm" onClick={() => void doConfirm()}>
                {confirm()?.kind === "delete" ? "Delete" : "Reset"}
              </Button>
            </>
          }
        >
          {confirm()?.kind === "delete"
            ? `All ${confirm()?.session.messageCount ?? 0} messages of this conversation will be deleted. This cannot be undone.`
            : "The assistant forgets this conversation. The old messages stay in the database but no longer appear here."}
        </Modal>
      </div>
    </Show>
  );
}
