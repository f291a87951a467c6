import { mockIPC } from "@tauri-apps/api/mocks";
import type { ChatMessageView, SessionView } from "../../bindings";
import { running } from "../../shared/test/fixtures";
import { argsOf } from "../../shared/test/ipc";

/** The main session. */
export const KEY = "agent:main:main";

/** A transcript message with every field, `over` on top. */
export function msg(over: Partial<ChatMessageView>): ChatMessageView {
  return {
    id: Math.random().toString(36),
    role: "user",
    text: "",
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
    timestamp: 1,
    ...over,
  };
}

/** A session row with every field, `over` on top. */
export const session = (over: Partial<SessionView> = {}): SessionView => ({
  key: KEY,
  title: "hello",
  preview: "hi there",
  agentId: "main",
  updatedAt: 1_700_000_000_000,
  messageCount: 2,
  totalTokens: 1530,
  costUsd: 0.0042,
  model: null,
  running: false,
  lastError: null,
  ...over,
});

/** The commands the page invoked, in order. */
export type Calls = { cmd: string; args: Record<string, unknown> }[];

/** A gateway that answers the chat commands (sessions, history, models) from `state`. */
export function setup(state: { status?: unknown; history?: () => ChatMessageView[]; sessions?: SessionView[]; handler?: (cmd: string, args: Record<string, unknown>) => unknown }): Calls {
  const calls: Calls = [];
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args: argsOf(args) });
      if (cmd === "gateway_status") return state.status ?? running;
      if (cmd === "gateway_metrics") return [];
      if (cmd === "chat_sessions") return { sessions: state.sessions ?? [session()], total: (state.sessions ?? [session()]).length };
      if (cmd === "chat_history") return state.history?.() ?? [];
      if (cmd === "chat_models") return [{ id: "fake/fake-model", name: "fake-model" }];
      if (cmd === "plugin:event|listen") return 1;
      return state.handler?.(cmd, argsOf(args));
    },
    { shouldMockEvents: true },
  );
  return calls;
}
