import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { ErrorNotice } from "../../shared/ui/ErrorNotice";
import { presentError } from "../../shared/lib/errors";
import { type Column, SortableTable, TableFilter } from "../../shared/ui/SortableTable";
import { RelativeTime } from "../../shared/ui/RelativeTime";
import { TipText } from "../../shared/ui/Tooltip";
import { formatMoney, plural } from "../../shared/lib/format";
import { plainText, sessionName } from "../../shared/lib/sessions";
import { ConfirmDialog } from "../../shared/ui/ConfirmDialog";
import { type AppError, commands, type ChatMessageView, type SessionView } from "../../bindings";
import { Button } from "../../shared/ui/Button";
import { GatewayDown } from "../../shared/ui/GatewayDown";
import { Archive, Download, Eraser, MessageSquare, Trash2 } from "../../shared/ui/icons";
import { toast } from "../../shared/ui/Toast";
import { errorText, initChat, openSession, refreshSessions, sessionsVersion } from "../chat/store";
import { isUp } from "../../shared/lib/gateway";

/** The table's columns; the newest first, as the gateway sends them. */
const COLUMNS: Column<SessionView>[] = [
  {
    id: "name",
    header: "Conversation",
    sort: (a, b) => sessionName(a).localeCompare(sessionName(b)),
    class: "max-w-0 w-full",
    cell: (s) => (
      <>
        <TipText tip={s.key} focusable={false} class="block font-medium truncate">
          {sessionName(s)}
        </TipText>
        <div class="text-xs text-muted truncate">{plainText(s.preview ?? "")}</div>
      </>
    ),
  },
  { id: "messages", header: "Messages", align: "right", firstDir: "descending", sort: (a, b) => a.messageCount - b.messageCount, cell: (s) => s.messageCount },
  { id: "tokens", header: "Tokens", align: "right", firstDir: "descending", sort: (a, b) => a.totalTokens - b.totalTokens, cell: (s) => s.totalTokens.toLocaleString() },
  { id: "cost", header: "Cost", align: "right", firstDir: "descending", sort: (a, b) => (a.costUsd ?? 0) - (b.costUsd ?? 0), cell: (s) => formatMoney(s.costUsd ?? 0) },
  {
    id: "updated",
    header: "Last active",
    firstDir: "descending",
    sort: (a, b) => a.updatedAt - b.updatedAt,
    class: "whitespace-nowrap text-muted",
    cell: (s) => (s.updatedAt ? <RelativeTime ms={s.updatedAt} /> : ""),
  },
];

type Confirm = { kind: "delete" | "reset"; session: SessionView };

/** The name of the conversation a confirmation is about. */
const name = (c: Confirm | null) => (c ? sessionName(c.session) : "");

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
  const [loadError, setLoadError] = createSignal<AppError | null>(null);
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
      setLoadError(r.error);
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
      await run("delete", () => commands.sessionsDelete(c.session.key), () => `Deleted "${sessionName(c.session)}".`);
      if (selected()?.key === c.session.key) setSelected(null);
    } else {
      await run("reset", () => commands.sessionsReset(c.session.key), () => `"${sessionName(c.session)}" starts fresh.`);
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
            <TableFilter
              label="Search conversations"
              testid="sessions-search"
              placeholder="Search by name or first message"
              value={query()}
              onInput={search}
            />
            <span class="text-xs text-muted" data-testid="sessions-count">
              {rows().length < total() ? `${rows().length.toLocaleString()} of ${total().toLocaleString()} loaded` : `${total().toLocaleString()} ${total() === 1 ? "conversation" : "conversations"}`}
            </span>
          </div>
          <Show when={loadError()}>
            {(e) => (
              <ErrorNotice error={presentError(e(), { title: "The conversations could not be loaded" })}>
                <Button onClick={() => void load("refresh")}>Retry</Button>
              </ErrorNotice>
            )}
          </Show>
          <SortableTable
            ref={(el) => (scroller = el)}
            label="Conversations"
            testid="sessions-table"
            rowTestid="session-row"
            rows={rows()}
            columns={COLUMNS}
            rowKey={(s) => s.key}
            initialSort={{ column: "updated", dir: "descending" }}
            selected={selected()?.key ?? null}
            onSelect={(s) => void select(s)}
            loading={!loaded()}
            empty={query() ? "No conversation matches." : "No conversations yet. Start one in Chat."}
            rowHeight={ROW}
            onNearEnd={() => void load("more")}
          />
        </div>

        <Show when={selected()}>
          {(s) => (
            <aside class="w-80 shrink-0 border-l border-line bg-surface p-4 flex flex-col gap-3 min-h-0" aria-label="Conversation details">
              <div>
                <div class="font-semibold truncate">{sessionName(s())}</div>
                <div class="text-xs text-muted">
                  {plural(s().messageCount, "message")} · {formatMoney(s().costUsd ?? 0)} · <RelativeTime ms={s().updatedAt} />
                </div>
                <details class="text-xs text-muted mt-1">
                  <summary class="cursor-pointer select-none w-fit rounded hover:text-fg">Details</summary>
                  <div class="mt-1 font-mono break-all" data-testid="session-key">{s().key}</div>
                </details>
              </div>
              <div class="flex flex-wrap gap-2">
                <Button variant="primary" icon={<MessageSquare size={14} />} onClick={() => { void openSession(s().key); props.onOpen(s().key); }}>
                  Open in Chat
                </Button>
                <Button data-testid="session-export" icon={<Download size={14} />} loading={working() === "export"} onClick={() => void run("export", () => commands.sessionsExport(s().key, "markdown"), (p) => `Exported "${sessionName(s())}" to ${p}`)} tooltip="Save the transcript as a Markdown file">
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
              <dl class="text-xs text-muted space-y-1">
                <div>
                  <dt class="inline font-medium text-fg">Compact</dt> <dd class="inline">summarizes older messages, so long conversations cost fewer tokens.</dd>
                </div>
                <div>
                  <dt class="inline font-medium text-fg">Reset</dt> <dd class="inline">starts over: the assistant forgets this conversation.</dd>
                </div>
              </dl>
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

        <ConfirmDialog
          open={confirm() !== null}
          onCancel={() => setConfirm(null)}
          title={confirm()?.kind === "delete" ? `Delete "${name(confirm())}"?` : `Start "${name(confirm())}" fresh?`}
          confirmLabel={confirm()?.kind === "delete" ? "Delete" : "Reset"}
          tone={confirm()?.kind === "delete" ? "danger" : "primary"}
          onConfirm={doConfirm}
        >
          {confirm()?.kind === "delete"
            ? `All ${plural(confirm()?.session.messageCount ?? 0, "message")} of this conversation will be deleted. This cannot be undone.`
            : "The assistant forgets this conversation. The old messages stay in the database but no longer appear here."}
        </ConfirmDialog>
      </div>
    </Show>
  );
}
