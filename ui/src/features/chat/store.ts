import { rememberTitles } from "../../shared/lib/sessions";
import { errorText } from "../../shared/lib/format";
import { createSignal } from "solid-js";
import { commands, events, type AppError, type ChatEventView, type ChatMessageView, type SessionView } from "../../bindings";

/** A tool call of the reply being written. */
export type LiveTool = { callId: string; name: string; arguments: string; result?: string; isError?: boolean; durationMs?: number };
/** The reply being written in a session. */
export type Live = { runId: string; text: string; tools: LiveTool[] };

export const MAIN = "agent:main:main";
const PAGE = 200;

const [sessions, setSessions] = createSignal<SessionView[]>([]);
const [sessionsLoaded, setSessionsLoaded] = createSignal(false);
// Bumped whenever the session list was reloaded (after runs, resets, deletes...), so views with
// their own pages of sessions know to reload them.
const [sessionsVersion, setSessionsVersion] = createSignal(0);
const [current, setCurrent] = createSignal<string>(MAIN);
const [messages, setMessages] = createSignal<ChatMessageView[]>([]);
const [loading, setLoading] = createSignal(false);
const [loadError, setLoadError] = createSignal<string | null>(null);
const [live, setLive] = createSignal<Record<string, Live>>({});
const [sendError, setSendError] = createSignal<string | null>(null);
// What the chat's conversation list is narrowed to ("" for all of them).
const [sessionSearch, setSessionSearch] = createSignal("");

export { sessions, sessionsLoaded, sessionsVersion, current, messages, loading, loadError, live, sendError, setSendError, sessionSearch };

export { errorText };

let started = false;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

/** Reloads the session list now (narrowed to `search`, else to the list's current search). */
export async function refreshSessions(search?: string): Promise<void> {
  const q = (search ?? sessionSearch()).trim();
  const r = await commands.chatSessions(q === "" ? null : q, 200, 0);
  // A newer search was typed while this one ran: its answer is the one to show.
  if ((search ?? sessionSearch()).trim() !== q) return;
  if (r.status === "ok") {
    setSessions(r.data.sessions);
    rememberTitles(r.data.sessions);
    setLoadError(null);
    setSessionsVersion((v) => v + 1);
  } else {
    setLoadError(errorText(r.error));
  }
  setSessionsLoaded(true);
}

/** Narrows the conversation list to those matching `q` (their title or text). */
export async function searchSessions(q: string): Promise<void> {
  setSessionSearch(q);
  await refreshSessions();
}

/** Shows `key` at the top of the list at once, with `text` as its latest words; the next
 *  reload of the list replaces the guess with what the gateway stored. */
function bumpSession(key: string, text: string) {
  setSessions((all) => {
    const found = all.find((s) => s.key === key);
    const now = Date.now();
    const row: SessionView = found
      ? { ...found, preview: text, updatedAt: now, messageCount: found.messageCount + 1, running: true }
      : { key, title: "", preview: text, agentId: key.split(":")[1] ?? "main", updatedAt: now, messageCount: 1, totalTokens: 0, costUsd: 0, model: null, running: true, lastError: null };
    return [row, ...all.filter((s) => s.key !== key)];
  });
}

/** Names a conversation (blank gives it back its automatic title); the list shows the new
 *  title at once. Answers the error, if any. */
export async function renameSession(key: string, name: string): Promise<AppError | null> {
  const r = await commands.sessionsRename(key, name);
  if (r.status === "error") return r.error;
  const title = r.data;
  setSessions((all) => all.map((s) => (s.key === key ? { ...s, title } : s)));
  rememberTitles([{ key, title }]);
  return null;
}

/** Deletes a conversation; the list drops it at once and the chat moves to the main one if it
 *  was open. Answers the error, if any. */
export async function deleteSession(key: string): Promise<AppError | null> {
  const r = await commands.sessionsDelete(key);
  if (r.status === "error") return r.error;
  setSessions((all) => all.filter((s) => s.key !== key));
  if (current() === key) await openSession(MAIN);
  await refreshSessions();
  return null;
}

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refreshSessions(), 150);
}

/** Loads a session's transcript and makes it the current one. */
export async function openSession(key: string): Promise<void> {
  setCurrent(key);
  setSendError(null);
  setLoading(true);
  const r = await commands.chatHistory(key, PAGE);
  if (current() !== key) return;
  setLoading(false);
  if (r.status === "ok") {
    setMessages(r.data);
    setLoadError(null);
  } else {
    setMessages([]);
    setLoadError(errorText(r.error));
  }
}

function updateLive(key: string, f: (l: Live) => Live, runId: string) {
  setLive((all) => ({ ...all, [key]: f(all[key] ?? { runId, text: "", tools: [] }) }));
}

function clearLive(key: string) {
  setLive((all) => {
    const { [key]: _, ...rest } = all;
    return rest;
  });
}

/** Applies one streamed event. */
export function apply(ev: ChatEventView): void {
  switch (ev.kind) {
    case "delta":
      updateLive(ev.sessionKey, (l) => ({ ...l, text: l.text + ev.text }), ev.runId);
      return;
    case "toolStart":
      // The text before the call is in the transcript now, with the call in it.
      updateLive(ev.sessionKey, (l) => ({ ...l, text: "", tools: [...l.tools, { callId: ev.callId, name: ev.name, arguments: ev.arguments }] }), ev.runId);
      if (ev.sessionKey === current()) void reloadCurrent();
      return;
    case "toolResult":
      updateLive(
        ev.sessionKey,
        (l) => ({ ...l, tools: l.tools.map((t) => (t.callId === ev.callId ? { ...t, result: ev.result, isError: ev.isError, durationMs: ev.durationMs } : t)) }),
        ev.runId,
      );
      // The finished tool round is in the transcript now.
      if (ev.sessionKey === current()) void reloadCurrent();
      return;
    case "final":
    case "aborted":
    case "error":
      clearLive(ev.sessionKey);
      if (ev.sessionKey === current()) void reloadCurrent();
      refreshSoon();
      return;
    case "sessionsChanged":
      refreshSoon();
      // Sent after every run: if the window missed the run's end event, it catches up here.
      if (ev.reason === "message" && ev.runId && live()[ev.key]?.runId === ev.runId) {
        clearLive(ev.key);
        if (ev.key === current()) void reloadCurrent();
      }
      if (ev.key === current() && (ev.reason === "reset" || ev.reason === "compact")) void reloadCurrent();
      if (ev.key === current() && ev.reason === "delete") {
        setMessages([]);
        setCurrent(MAIN);
      }
      return;
  }
}

async function reloadCurrent(): Promise<void> {
  const key = current();
  const r = await commands.chatHistory(key, PAGE);
  if (r.status === "ok" && current() === key) setMessages(r.data);
}

/** Sends a message in the current session. */
export async function send(text: string): Promise<boolean> {
  const key = current();
  setSendError(null);
  // Shown at once; the transcript replaces it when the reply starts.
  setMessages((m) => [...m, pendingUser(text)]);
  updateLive(key, (l) => l, "pending");
  const r = await commands.chatSend(key, text);
  if (r.status === "error") {
    clearLive(key);
    setMessages((m) => m.filter((x) => x.id !== "pending"));
    setSendError(errorText(r.error));
    return false;
  }
  if (r.data.sessionKey !== key) setCurrent(r.data.sessionKey);
  updateLive(r.data.sessionKey, (l) => ({ ...l, runId: r.data.runId }), r.data.runId);
  // A search that this conversation may not match would hide it: show them all again.
  if (sessionSearch().trim() !== "") setSessionSearch("");
  bumpSession(r.data.sessionKey, text);
  refreshSoon();
  return true;
}

/** Runs the last message again after a failed reply (it is not repeated in the transcript). */
export async function retry(): Promise<boolean> {
  const key = current();
  setSendError(null);
  updateLive(key, (l) => l, "pending");
  const r = await commands.chatRetry(key);
  if (r.status === "error") {
    clearLive(key);
    setSendError(errorText(r.error));
    return false;
  }
  updateLive(r.data.sessionKey, (l) => ({ ...l, runId: r.data.runId }), r.data.runId);
  refreshSoon();
  return true;
}

function pendingUser(text: string): ChatMessageView {
  return {
    id: "pending",
    role: "user",
    text,
    toolCalls: [],
    toolCallId: null,
    toolName: null,
    isError: false,
    durationMs: null,
    status: null,
    errorMessage: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    model: null,
    timestamp: Date.now(),
  };
}

/** Stops the reply being written. */
export async function stop(): Promise<void> {
  const r = await commands.chatAbort(current());
  if (r.status === "error") setSendError(errorText(r.error));
}

/** Starts a new chat and opens it. */
export async function newChat(): Promise<void> {
  const r = await commands.chatNew();
  if (r.status === "error") {
    setSendError(errorText(r.error));
    return;
  }
  await refreshSessions();
  await openSession(r.data);
}

/** Subscribes to chat events and loads the list. Safe to call more than once. */
export async function initChat(): Promise<void> {
  if (started) return;
  started = true;
  await events.chatStream.listen((e) => apply(e.payload));
}

/** For tests: forget everything. */
export function resetChatStore(): void {
  started = false;
  setSessions([]);
  setSessionsLoaded(false);
  setCurrent(MAIN);
  setMessages([]);
  setLoading(false);
  setLoadError(null);
  setLive({});
  setSendError(null);
  setSessionSearch("");
}
