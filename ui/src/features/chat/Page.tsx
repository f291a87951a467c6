import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { commands, type ChatMessageView, type ModelOption } from "../../bindings";
import { Button } from "../../shared/ui/Button";
import { GatewayDown } from "../../shared/ui/GatewayDown";
import { ArrowUp, ChevronRight, CircleAlert, Copy, LoaderCircle, MessageSquare, Pencil, Plus, RotateCw, Search, Square, Trash2, TriangleAlert, Wrench, X } from "../../shared/ui/icons";
import {
  current,
  deleteSession,
  errorText,
  initChat,
  live,
  loadError,
  loading,
  messages,
  newChat,
  openSession,
  refreshSessions,
  renameSession,
  searchSessions,
  send,
  retry,
  sendError,
  sessionSearch,
  sessions,
  sessionsLoaded,
  setSendError,
  stop,
  type LiveTool,
} from "./store";
import { isUp } from "../../shared/lib/gateway";
import { Markdown } from "../../shared/ui/Markdown";
import { TipButton, TipText } from "../../shared/ui/Tooltip";
import { ConfirmDialog, quoted } from "../../shared/ui/ConfirmDialog";
import { toast } from "../../shared/ui/Toast";
import type { SessionView } from "../../bindings";
import { formatMoney } from "../../shared/lib/format";
import { Select } from "../../shared/ui/Select";
import { plainText, sessionName } from "../../shared/lib/sessions";

const tokens = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(0)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : `${n}`);

/** The first line of a tool's error, for the card's header while it is closed. */
function firstLine(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/** One tool call: name, arguments and result, collapsed until opened. A failed call says so
 *  (red border and icon, "Failed") and shows its error's first line without being opened. */
function ToolCard(props: { name: string; args: string; result?: ChatMessageView | LiveTool }) {
  const [open, setOpen] = createSignal(false);
  const running = () => props.result === undefined;
  const failed = () => props.result?.isError === true;
  const output = () => {
    const r = props.result;
    if (!r) return "";
    return "text" in r ? r.text : (r.result ?? "");
  };
  return (
    <div
      data-testid="tool-card"
      data-failed={failed() ? "true" : undefined}
      class={`rounded-md border ${failed() ? "border-err bg-err/5" : "border-line bg-surface-2/60"} text-[13px]`}
    >
      <button
        type="button"
        class="w-full flex items-center gap-2 px-3 h-8 text-left rounded-md"
        aria-expanded={open()}
        onClick={() => setOpen(!open())}
      >
        <ChevronRight size={14} class={`transition-transform ${open() ? "rotate-90" : ""}`} aria-hidden="true" />
        <Show when={failed()} fallback={<Wrench size={14} class="text-muted" aria-hidden="true" />}>
          <CircleAlert size={14} class="text-err" aria-hidden="true" />
        </Show>
        <span class="font-mono">{props.name}</span>
        <span class={`ml-auto text-xs ${failed() ? "text-err font-medium" : "text-muted"}`} data-testid="tool-status">
          <Show when={!running()} fallback={<span class="inline-flex items-center gap-1"><LoaderCircle size={12} class="animate-spin" /> Running</span>}>
            {failed() ? "Failed" : "Done"}
            <Show when={props.result?.durationMs != null}> · {props.result?.durationMs} ms</Show>
          </Show>
        </span>
      </button>
      <Show when={failed() && !open() && firstLine(output())}>
        <div data-testid="tool-error" class="px-3 pb-2 -mt-0.5 font-mono text-xs text-err truncate">
          {firstLine(output())}
        </div>
      </Show>
      <Show when={open()}>
        <div class={`border-t px-3 py-2 space-y-2 ${failed() ? "border-err/40" : "border-line"}`}>
          <div>
            <div class="text-xs text-muted mb-1">Arguments</div>
            <pre class="font-mono text-xs whitespace-pre-wrap break-all">{props.args}</pre>
          </div>
          <Show when={!running()}>
            <div>
              <div class={`text-xs mb-1 ${failed() ? "text-err font-medium" : "text-muted"}`}>{failed() ? "Error" : "Result"}</div>
              <pre data-testid="tool-result" class={`font-mono text-xs whitespace-pre-wrap break-all max-h-64 overflow-auto ${failed() ? "text-err" : ""}`}>{output()}</pre>
            </div>
          </Show>
        </div>
      </Show>
    </div>
  );
}

/** Puts `text` on the clipboard and says so. */
async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    toast.success("Copied");
  } catch {
    toast.error("The clipboard is not available here", "Select the text and copy it with the keyboard instead.");
  }
}

const actionClass =
  "inline-flex items-center gap-1 rounded px-1.5 h-6 text-[12px] text-muted hover:text-fg hover:bg-surface-2";

/** Copy (and Retry, for the last turn) under a message: shown on hover and on keyboard focus. */
function MessageActions(props: { text: string; retry?: () => void; align?: "end" }) {
  return (
    <div
      data-testid="message-actions"
      class={`flex items-center gap-0.5 opacity-0 group-hover:opacity-100 focus-within:opacity-100 transition-opacity ${props.align === "end" ? "justify-end" : ""}`}
    >
      <Show when={props.text.trim() !== ""}>
        <TipButton tip="Copy the message" aria-label="Copy" data-testid="copy" class={actionClass} onClick={() => void copyText(props.text)}>
          <Copy size={13} aria-hidden="true" /> Copy
        </TipButton>
      </Show>
      <Show when={props.retry}>
        {(r) => (
          <TipButton tip="Ask for this reply again" aria-label="Retry" data-testid="retry" class={actionClass} onClick={() => r()()}>
            <RotateCw size={13} aria-hidden="true" /> Retry
          </TipButton>
        )}
      </Show>
    </div>
  );
}

const statusNote: Record<string, string> = {
  aborted: "Stopped.",
  incomplete: "Cut off: the gateway stopped while writing this reply.",
  streaming: "Being written…",
};

export function Chat() {
  const [draft, setDraft] = createSignal("");
  const [models, setModels] = createSignal<ModelOption[]>([]);
  let scroller: HTMLDivElement | undefined;
  let input: HTMLTextAreaElement | undefined;

  const running = isUp;
  const session = createMemo(() => sessions().find((s) => s.key === current()));
  // A function of the session, not a `<Show>` child: a Show's child runs once while its
  // condition stays truthy, so switching conversations would keep the first one's name.
  const title = () => {
    const s = session();
    return s ? sessionName(s) : "Main conversation";
  };
  const liveReply = () => live()[current()];
  const busy = () => liveReply() !== undefined;
  const results = createMemo(() => {
    const m = new Map<string, ChatMessageView>();
    for (const x of messages()) if (x.role === "toolResult" && x.toolCallId) m.set(x.toolCallId, x);
    return m;
  });
  const shown = () => messages().filter((m) => m.role !== "toolResult");
  // Retry belongs to the turn the conversation ends on (a failure, or the last reply), not to
  // older ones: the gateway runs the last message again.
  const lastId = () => messages().at(-1)?.id;
  const lastShownId = () => shown().at(-1)?.id;
  const canRetry = (m: ChatMessageView) => m.id === lastShownId() && m.id !== "pending" && !busy() && m.status !== "error" && m.status !== "streaming";
  const [search, setSearch] = createSignal(sessionSearch());
  const [toDelete, setToDelete] = createSignal<SessionView | null>(null);
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  // Typing waits for a pause; clearing the search lists them all at once.
  const onSearch = (q: string) => {
    setSearch(q);
    clearTimeout(searchTimer);
    if (q.trim() === "") void searchSessions("");
    else searchTimer = setTimeout(() => void searchSessions(q), 200);
  };
  onCleanup(() => clearTimeout(searchTimer));
  // The store clears the search when a message is sent (so the conversation shows): follow it.
  createEffect(on(sessionSearch, (q) => q === "" && search() !== "" && setSearch(""), { defer: true }));
  // Renaming happens in the conversation's header: F2 on a list item or the pencil starts it,
  // Enter or leaving the field saves, Escape keeps the old name.
  const [renaming, setRenaming] = createSignal(false);
  let renameInput: HTMLInputElement | undefined;
  const startRename = () => {
    setRenaming(true);
    renameInput?.focus();
    renameInput?.select();
  };
  const finishRename = async (save: boolean) => {
    if (!renaming()) return;
    setRenaming(false);
    const s = session();
    const typed = renameInput?.value ?? "";
    if (!save || !s || typed.trim() === sessionName(s)) return;
    const err = await renameSession(s.key, typed);
    if (err) toast.error(`${quoted(sessionName(s))} was not renamed`, errorText(err));
    else toast.success(typed.trim() === "" ? "Name cleared: the first message names it again" : `Renamed to ${quoted(typed.trim())}`);
  };
  const remove = async () => {
    const s = toDelete();
    if (!s) return;
    const err = await deleteSession(s.key);
    setToDelete(null);
    if (err) toast.error(`${quoted(sessionName(s))} was not deleted`, errorText(err));
    else toast.success(`Deleted ${quoted(sessionName(s))}`);
  };

  // The page may close while it loads (the user moved on): it then asks for nothing more.
  let open = true;
  onCleanup(() => {
    open = false;
  });
  const load = async () => {
    await initChat();
    await refreshSessions();
    if (!open) return;
    await openSession(current());
    if (!open) return;
    const r = await commands.chatModels();
    if (r.status === "ok") setModels(r.data);
  };
  onMount(() => {
    if (running()) void load();
  });
  createEffect(on(running, (r, was) => r && was === false && void load(), { defer: true }));

  // Typing goes straight into the composer: when the page opens (also right after the setup's
  // "Open Chat"), when the gateway comes up under it and when another conversation opens.
  // After a frame: the page may still be attaching (lazy load, Suspense). An open dialog (an
  // approval prompt) keeps its focus.
  const focusComposer = () =>
    requestAnimationFrame(() => {
      if (!input?.isConnected || document.querySelector('[role="dialog"], [role="alertdialog"]')) return;
      input.focus({ preventScroll: true });
    });
  createEffect(on([running, current], ([r]) => r && focusComposer()));
  // And when a reply ends (finished, stopped or failed), unless the user went to type elsewhere
  // (the search box) meanwhile.
  createEffect(
    on(
      busy,
      (b, was) => {
        if (b || !was) return;
        const a = document.activeElement;
        if (a instanceof HTMLInputElement || (a instanceof HTMLTextAreaElement && a !== input)) return;
        focusComposer();
      },
      { defer: true },
    ),
  );

  // Keep the newest text in view while it streams.
  createEffect(() => {
    void messages().length;
    void liveReply()?.text;
    queueMicrotask(() => {
      if (scroller) scroller.scrollTop = scroller.scrollHeight;
    });
  });

  const submit = async () => {
    const text = draft().trim();
    if (!text || busy()) return;
    setDraft("");
    const ok = await send(text);
    if (!ok) setDraft(text);
    input?.focus();
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    }
    if (e.key === "Escape" && busy()) void stop();
  };

  const setModel = async (id: string) => {
    const r = await commands.chatSetModel(current(), id === "" ? null : id);
    if (r.status === "error") setSendError(`Could not change the model: ${errorText(r.error)}`);
    await refreshSessions();
  };

  return (
    <Show
      when={running()}
      fallback={<GatewayDown icon={<MessageSquare size={28} />} why="Your assistant answers through the gateway." />}
    >
      <div class="h-full flex min-h-0">
        <aside class="w-60 shrink-0 border-r border-line bg-surface flex flex-col min-h-0" aria-label="Conversations">
          <div class="p-2 border-b border-line">
            <Button class="w-full justify-center" icon={<Plus size={15} />} onClick={() => void newChat()} data-testid="new-chat">
              New chat
            </Button>
          </div>
          <div class="px-2 pt-2">
            <label class="flex items-center gap-2 rounded-md border border-line bg-surface px-2 h-8 focus-within:outline-2 focus-within:outline-accent focus-within:outline-offset-2">
              <Search size={14} class="text-muted shrink-0" aria-hidden="true" />
              <input
                type="search"
                data-testid="chat-search"
                aria-label="Search conversations"
                placeholder="Search conversations"
                class="flex-1 min-w-0 bg-transparent outline-none text-[13px] placeholder:text-muted [&::-webkit-search-cancel-button]:hidden"
                value={search()}
                onInput={(e) => onSearch(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === "Escape" && search() !== "") {
                    e.preventDefault();
                    onSearch("");
                  }
                }}
              />
              <Show when={search() !== ""}>
                <TipButton tip="Clear the search" shortcut="Esc" aria-label="Clear the search" class="rounded p-0.5 text-muted hover:text-fg" onClick={() => onSearch("")}>
                  <X size={13} aria-hidden="true" />
                </TipButton>
              </Show>
            </label>
          </div>
          <ul class="flex-1 overflow-auto p-2 space-y-0.5">
            <Show when={sessionsLoaded()} fallback={<For each={[1, 2, 3]}>{() => <li class="tp-skeleton h-10" />}</For>}>
              <Show
                when={sessions().length > 0}
                fallback={
                  <li class="text-muted text-[13px] px-2 py-3" data-testid="sessions-empty">
                    <Show when={search().trim() !== ""} fallback="No conversations yet.">
                      No conversation matches “{search().trim()}”.{" "}
                      <button type="button" class="text-accent underline rounded" onClick={() => onSearch("")}>
                        Show all
                      </button>
                    </Show>
                  </li>
                }
              >
                <For each={sessions()}>
                  {(s) => (
                    <li class="group relative">
                      <button
                        type="button"
                        data-testid="session-item"
                        aria-current={s.key === current() ? "true" : undefined}
                        aria-keyshortcuts="Delete F2"
                        onClick={() => void openSession(s.key)}
                        onKeyDown={(e) => {
                          if (e.key === "Delete") {
                            e.preventDefault();
                            setToDelete(s);
                          } else if (e.key === "F2") {
                            e.preventDefault();
                            void openSession(s.key).then(startRename);
                          }
                        }}
                        class={`w-full text-left rounded-md pl-2.5 pr-8 py-1.5 ${s.key === current() ? "bg-accent/12" : "hover:bg-surface-2"}`}
                      >
                        <div class="text-[13px] font-medium truncate flex items-center gap-1.5">
                          <Show when={s.running}>
                            <TipText tip="Writing a reply" focusable={false} class="size-1.5 rounded-full bg-warn shrink-0" aria-hidden="true" />
                            <span class="sr-only">Writing a reply:</span>
                          </Show>
                          {sessionName(s)}
                        </div>
                        <div class="text-xs text-muted truncate">{s.preview ? plainText(s.preview) : "Empty"}</div>
                      </button>
                      <TipButton
                        tip="Delete the conversation"
                        shortcut="Del"
                        placement="right"
                        aria-label={`Delete ${sessionName(s)}`}
                        data-testid="session-delete"
                        class="absolute right-1 top-1/2 -translate-y-1/2 rounded p-1 text-muted hover:text-err hover:bg-surface-2 opacity-0 group-hover:opacity-100 focus-visible:opacity-100"
                        onClick={() => setToDelete(s)}
                      >
                        <Trash2 size={14} aria-hidden="true" />
                      </TipButton>
                    </li>
                  )}
                </For>
              </Show>
            </Show>
          </ul>
          <ConfirmDialog
            open={toDelete() !== null}
            title={`Delete conversation ${quoted(sessionName(toDelete() ?? { key: "", title: "" }))}?`}
            confirmLabel="Delete"
            testid="confirm"
            onConfirm={remove}
            onCancel={() => setToDelete(null)}
          >
            Its messages are removed from the gateway. This cannot be undone.
          </ConfirmDialog>
        </aside>

        <section class="flex-1 min-w-0 flex flex-col">
          <div class="flex items-center gap-3 px-4 h-11 border-b border-line text-[13px]">
            <Show
              when={renaming() && session()}
              fallback={
                <span class="flex items-center gap-1 min-w-0 group/title">
                  <span class="font-medium truncate" data-testid="chat-title">
                    {title()}
                  </span>
                  <Show when={session()}>
                    <TipButton tip="Rename the conversation" shortcut="F2" aria-label="Rename" data-testid="rename" class="rounded p-1 text-muted hover:text-fg hover:bg-surface-2" onClick={startRename}>
                      <Pencil size={13} aria-hidden="true" />
                    </TipButton>
                  </Show>
                </span>
              }
            >
              {(x) => (
                <input
                  ref={(el) => {
                    renameInput = el;
                    queueMicrotask(() => {
                      el.focus();
                      el.select();
                    });
                  }}
                  data-testid="rename-input"
                  aria-label="Name of the conversation"
                  placeholder="Blank: named by its first message"
                  maxLength={512}
                  value={sessionName(x())}
                  class="font-medium min-w-0 w-72 rounded border border-line bg-surface px-1.5 py-0.5 text-[13px]"
                  onKeyDown={(e) => {
                    if (e.key === "Enter") {
                      e.preventDefault();
                      void finishRename(true);
                    } else if (e.key === "Escape") {
                      e.preventDefault();
                      e.stopPropagation();
                      void finishRename(false);
                    }
                  }}
                  onBlur={() => void finishRename(true)}
                />
              )}
            </Show>
            <span class="text-muted text-xs" data-testid="usage">
              {tokens(session()?.totalTokens ?? 0)} tokens · {formatMoney(session()?.costUsd ?? 0)}
            </span>
            <span class="ml-auto flex items-center gap-2 text-xs text-muted">
              Model
              <Select
                label="Model for this conversation"
                testid="model-picker"
                class="max-w-64"
                value={session()?.model ?? ""}
                onChange={(v) => void setModel(v)}
                options={[
                  { value: "", label: "Agent default" },
                  ...models().map((m) => ({ value: m.id, label: m.name, hint: m.name === m.id ? undefined : m.id })),
                ]}
              />
            </span>
          </div>

          <div ref={scroller} class="flex-1 overflow-auto px-4 py-4" data-testid="messages">
            <div class="max-w-3xl mx-auto space-y-4">
              <Show when={loadError()}>
                <div role="alert" class="rounded-md border border-err/40 bg-err/5 p-3 text-[13px] flex items-start gap-2">
                  <TriangleAlert size={16} class="text-err mt-0.5 shrink-0" />
                  <div class="flex-1">{loadError()}</div>
                  <Button variant="ghost" onClick={() => void openSession(current())}>Retry</Button>
                </div>
              </Show>
              <Show when={loading() && messages().length === 0}>
                <div class="space-y-3" role="progressbar" aria-busy="true" aria-label="Loading">
                  <div class="tp-skeleton h-10 w-2/3 ml-auto" />
                  <div class="tp-skeleton h-24 w-5/6" />
                </div>
              </Show>
              <Show when={!loading() && !loadError() && messages().length === 0 && !busy()}>
                <div class="text-center text-muted py-16 space-y-2">
                  <MessageSquare size={28} class="mx-auto" />
                  <div class="text-fg font-medium">Say hello to your assistant</div>
                  <div class="text-[13px]">It can read and write files in its workspace and fetch web pages.</div>
                </div>
              </Show>
              <For each={shown()}>
                {(m) => (
                  <Show
                    when={m.role !== "compaction"}
                    fallback={
                      <details class="text-xs text-muted border-y border-line py-2">
                        <summary class="cursor-pointer">Earlier conversation summarized</summary>
                        <div class="mt-2 whitespace-pre-wrap">{m.text}</div>
                      </details>
                    }
                  >
                    <div data-testid={`msg-${m.role}`} class={`group ${m.role === "user" ? "flex flex-col items-end gap-1" : ""}`}>
                      <Show
                        when={m.role === "assistant"}
                        fallback={
                          <>
                            <div data-testid="msg-text" class="max-w-[80%] rounded-lg bg-accent/12 px-3 py-2 whitespace-pre-wrap text-[14px]">{m.text}</div>
                            <Show when={m.id !== "pending"}>
                              <MessageActions text={m.text} align="end" retry={canRetry(m) ? () => void retry() : undefined} />
                            </Show>
                          </>
                        }
                      >
                        <div class="space-y-2">
                          <Show when={m.text}>
                            <Markdown text={m.text} />
                          </Show>
                          <For each={m.toolCalls}>
                            {(t) => (
                              <ToolCard name={t.name} args={t.arguments} result={results().get(t.id) ?? liveReply()?.tools.find((l) => l.callId === t.id && l.result !== undefined)} />
                            )}
                          </For>
                          <Show when={m.status && statusNote[m.status]}>
                            <div class="text-xs text-muted italic">{statusNote[m.status ?? ""]}</div>
                          </Show>
                          <Show when={m.status === "error"}>
                            <div role="alert" data-testid="chat-error" class="rounded-md border border-err/40 bg-err/5 p-3 text-[13px] flex items-start gap-2">
                              <TriangleAlert size={16} class="text-err mt-0.5 shrink-0" />
                              <div class="flex-1">{m.errorMessage ?? "The reply failed."}</div>
                              <Show when={m.id === lastId() && !busy()}>
                                <Button variant="ghost" data-testid="retry" icon={<RotateCw size={14} />} onClick={() => void retry()}>
                                  Retry
                                </Button>
                              </Show>
                            </div>
                          </Show>
                          <MessageActions text={m.text} retry={canRetry(m) ? () => void retry() : undefined} />
                        </div>
                      </Show>
                    </div>
                  </Show>
                )}
              </For>
              <Show when={liveReply()}>
                {(l) => (
                  <div data-testid="live-reply" class="space-y-2">
                    <Show when={l().text} fallback={<Show when={l().tools.every((t) => t.result !== undefined)}><div class="text-muted text-[13px] inline-flex items-center gap-2"><LoaderCircle size={14} class="animate-spin" /> Thinking…</div></Show>}>
                      <Markdown text={l().text} />
                    </Show>
                  </div>
                )}
              </Show>
            </div>
          </div>

          <div class="border-t border-line p-3">
            <div class="max-w-3xl mx-auto">
              <Show when={sendError()}>
                <div role="alert" class="mb-2 text-[13px] text-err">{sendError()}</div>
              </Show>
              {/* One ring, around the whole box: the textarea draws none of its own. */}
              <div
                data-testid="composer-box"
                class="flex items-end gap-2 rounded-lg border border-line bg-surface px-3 py-2 focus-within:outline-2 focus-within:outline-accent focus-within:outline-offset-2"
              >
                <textarea
                  ref={input}
                  data-testid="composer"
                  aria-label="Message"
                  rows={1}
                  placeholder="Message your assistant (Enter to send, Shift+Enter for a new line)"
                  class="flex-1 resize-none bg-transparent outline-none text-[14px] max-h-48 py-1"
                  value={draft()}
                  onInput={(e) => {
                    setDraft(e.currentTarget.value);
                    e.currentTarget.style.height = "auto";
                    e.currentTarget.style.height = `${e.currentTarget.scrollHeight}px`;
                  }}
                  onKeyDown={onKey}
                />
                <Show
                  when={busy()}
                  fallback={
                    <Button variant="primary" aria-label="Send" data-testid="send" disabled={!draft().trim()} icon={<ArrowUp size={15} />} onClick={() => void submit()}>
                      Send
                    </Button>
                  }
                >
                  <Button aria-label="Stop" data-testid="stop" icon={<Square size={13} />} onClick={() => void stop()}>
                    Stop
                  </Button>
                </Show>
              </div>
            </div>
          </div>
        </section>
      </div>
    </Show>
  );
}
