import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessageView, SessionView } from "../bindings";
import { resetChatStore } from "../lib/chat";
import { initGateway, resetGatewayStore } from "../lib/gateway";
import { Chat } from "../pages/Chat";
import { Sessions } from "../pages/Sessions";
import { running, stopped } from "./fixtures";

const KEY = "agent:main:main";

function msg(over: Partial<ChatMessageView>): ChatMessageView {
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

const session = (over: Partial<SessionView> = {}): SessionView => ({
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

type Calls = { cmd: string; args: Record<string, unknown> }[];

function setup(state: { status?: unknown; history?: () => ChatMessageView[]; sessions?: SessionView[]; handler?: (cmd: string, args: Record<string, unknown>) => unknown }): Calls {
  const calls: Calls = [];
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args: args as Record<string, unknown> });
      if (cmd === "gateway_status") return state.status ?? running;
      if (cmd === "gateway_metrics") return [];
      if (cmd === "chat_sessions") return { sessions: state.sessions ?? [session()], total: (state.sessions ?? [session()]).length };
      if (cmd === "chat_history") return state.history?.() ?? [];
      if (cmd === "chat_models") return [{ id: "fake/fake-model", name: "fake-model" }];
      if (cmd === "plugin:event|listen") return 1;
      return state.handler?.(cmd, args as Record<string, unknown>);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

const stream = (payload: object) => emit("chat-stream", payload);

describe("Chat", () => {
  beforeEach(() => {
    resetGatewayStore();
    resetChatStore();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("shows the transcript with Markdown, highlighted code and tool cards that open", async () => {
    setup({
      history: () => [
        msg({ role: "user", text: "list my files" }),
        msg({ role: "assistant", text: "Here:\n\n```rust\nfn main() {}\n```", toolCalls: [{ id: "t1", name: "list", arguments: '{\n  "path": "."\n}' }] }),
        msg({ role: "toolResult", toolCallId: "t1", toolName: "list", text: "notes/\ntodo.txt", durationMs: 3 }),
      ],
    });
    await initGateway();
    render(() => <Chat />);
    const reply = await screen.findByTestId("msg-assistant");
    expect(reply.querySelector("pre code")?.getAttribute("data-lang")).toBe("rust");
    expect(reply.querySelector(".hljs-keyword")?.textContent).toBe("fn");
    const card = screen.getByTestId("tool-card");
    expect(card.textContent).toContain("list");
    expect(card.textContent).toContain("3 ms");
    fireEvent.click(card.querySelector("button")!);
    expect(screen.getByTestId("tool-result").textContent).toBe("notes/\ntodo.txt");
    expect(screen.getByTestId("usage").textContent).toBe("1.5k tokens · <$0.01");
  });

  it("sends with Enter, streams the reply, offers Stop, and reloads the transcript at the end", async () => {
    let history: ChatMessageView[] = [];
    const calls = setup({
      history: () => history,
      handler: (cmd) => {
        if (cmd === "chat_send") return { runId: "r1", sessionKey: KEY };
        if (cmd === "chat_abort") return true;
      },
    });
    await initGateway();
    render(() => <Chat />);
    await screen.findByText("Say hello to your assistant");
    const box = screen.getByTestId("composer") as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: "hi there" } });
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(calls.find((c) => c.cmd === "chat_send")?.args).toEqual({ key: KEY, message: "hi there" }));
    expect(box.value).toBe("");
    expect(screen.getByTestId("msg-user").textContent).toBe("hi there");
    await stream({ kind: "delta", runId: "r1", sessionKey: KEY, text: "Hel" });
    await stream({ kind: "delta", runId: "r1", sessionKey: KEY, text: "lo **you**" });
    await waitFor(() => expect(screen.getByTestId("live-reply").innerHTML).toContain("<strong>you</strong>"));
    fireEvent.click(screen.getByTestId("stop"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "chat_abort")).toBe(true));
    history = [msg({ role: "user", text: "hi there" }), msg({ role: "assistant", text: "Hello", status: "aborted" })];
    await stream({ kind: "aborted", runId: "r1", sessionKey: KEY });
    await waitFor(() => expect(screen.queryByTestId("live-reply")).toBeNull());
    expect(screen.getByText("Stopped.")).toBeTruthy();
    expect(screen.getByTestId("send")).toBeTruthy();
  });

  it("catches up from the session event when the end of a reply was missed", async () => {
    let history: ChatMessageView[] = [];
    setup({ history: () => history, handler: (cmd) => (cmd === "chat_send" ? { runId: "r9", sessionKey: KEY } : undefined) });
    await initGateway();
    render(() => <Chat />);
    await screen.findByText("Say hello to your assistant");
    const box = screen.getByTestId("composer") as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: "q" } });
    fireEvent.keyDown(box, { key: "Enter" });
    await stream({ kind: "delta", runId: "r9", sessionKey: KEY, text: "partial" });
    await screen.findByTestId("live-reply");
    // Another run's end does not touch this one.
    await stream({ kind: "sessionsChanged", key: KEY, reason: "message", runId: "other" });
    expect(screen.getByTestId("live-reply")).toBeTruthy();
    history = [msg({ role: "user", text: "q" }), msg({ role: "assistant", text: "the whole answer" })];
    await stream({ kind: "sessionsChanged", key: KEY, reason: "message", runId: "r9" });
    await waitFor(() => expect(screen.queryByTestId("live-reply")).toBeNull());
    expect(screen.getByTestId("msg-assistant").textContent).toContain("the whole answer");
  });

  it("shows a failed reply inline with its reason and retries the last message", async () => {
    const calls = setup({
      history: () => [
        msg({ role: "user", text: "older" }),
        msg({ role: "assistant", status: "error", errorMessage: "an older failure" }),
        msg({ role: "user", text: "hello?" }),
        msg({ role: "assistant", status: "error", errorMessage: "fake refused the API key (invalid x-api-key); check the key in Config or Settings" }),
      ],
      handler: (cmd) => (cmd === "chat_retry" ? { runId: "r2", sessionKey: KEY } : undefined),
    });
    await initGateway();
    render(() => <Chat />);
    await waitFor(() => expect(screen.getAllByTestId("chat-error")).toHaveLength(2));
    expect(screen.getAllByTestId("chat-error")[1].textContent).toContain("refused the API key");
    // Only the failure the conversation ends on can be retried.
    expect(screen.getAllByTestId("retry")).toHaveLength(1);
    fireEvent.click(screen.getByTestId("retry"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "chat_retry")?.args).toEqual({ key: KEY }));
    // The question is not added again; the reply streams as usual.
    expect(screen.getAllByTestId("msg-user")).toHaveLength(2);
    expect(calls.some((c) => c.cmd === "chat_send")).toBe(false);
    await stream({ kind: "delta", runId: "r2", sessionKey: KEY, text: "now it works" });
    expect((await screen.findByTestId("live-reply")).textContent).toContain("now it works");
  });

  it("a retry the gateway refuses says why", async () => {
    setup({
      history: () => [msg({ role: "user", text: "q" }), msg({ role: "assistant", status: "error", errorMessage: "boom" })],
      handler: (cmd) => {
        if (cmd === "chat_retry") throw { kind: "gateway", message: "a reply is still being written in agent:main:main" };
      },
    });
    await initGateway();
    render(() => <Chat />);
    fireEvent.click(await screen.findByTestId("retry"));
    expect(await screen.findByText(/still being written/)).toBeTruthy();
    expect(screen.queryByTestId("live-reply")).toBeNull();
  });

  it("never renders scripts or event handlers from model output", async () => {
    setup({ history: () => [msg({ role: "assistant", text: 'hi <img src="x" onerror="alert(1)"> <script>alert(2)</script> [link](javascript:alert(3))' })] });
    await initGateway();
    render(() => <Chat />);
    const reply = await screen.findByTestId("msg-assistant");
    expect(reply.querySelector("script")).toBeNull();
    expect(reply.querySelector("img")?.getAttribute("onerror")).toBeNull();
    expect(reply.querySelector("a")?.getAttribute("href") ?? "").not.toContain("javascript");
  });

  it("says the gateway is not running and offers to start it", async () => {
    setup({ status: stopped });
    await initGateway();
    render(() => <Chat />);
    expect(await screen.findByText("The gateway is not running")).toBeTruthy();
    expect(screen.getByText("Start the gateway")).toBeTruthy();
  });

  it("a send the gateway refuses keeps the draft and says why", async () => {
    setup({
      handler: (cmd) => {
        if (cmd === "chat_send") throw { kind: "gateway", message: "a reply is still being written in agent:main:main" };
      },
    });
    await initGateway();
    render(() => <Chat />);
    await screen.findByText("Say hello to your assistant");
    const box = screen.getByTestId("composer") as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: "again" } });
    fireEvent.click(screen.getByTestId("send"));
    expect((await screen.findByRole("alert")).textContent).toContain("still being written");
    expect(box.value).toBe("again");
  });

  it("puts the cursor in the composer when the page opens and when the gateway comes up under it", async () => {
    setup({});
    await initGateway();
    const { unmount } = render(() => <Chat />);
    const box = await screen.findByTestId("composer");
    await waitFor(() => expect(document.activeElement).toBe(box));
    unmount();

    resetGatewayStore();
    setup({ status: stopped });
    await initGateway();
    render(() => <Chat />);
    await screen.findByText("The gateway is not running");
    await emit("gateway-status-changed", running);
    const again = await screen.findByTestId("composer");
    await waitFor(() => expect(document.activeElement).toBe(again));
  });

  it("moves the cursor back to the composer when another conversation opens", async () => {
    setup({ sessions: [session(), session({ key: "agent:main:ideas", title: "Ideas" })] });
    await initGateway();
    render(() => <Chat />);
    const box = await screen.findByTestId("composer");
    const items = await screen.findAllByTestId("session-item");
    items[1].focus();
    expect(document.activeElement).toBe(items[1]);
    fireEvent.click(items[1]);
    await waitFor(() => expect(document.activeElement).toBe(box));
  });
});

describe("Sessions", () => {
  beforeEach(() => {
    resetGatewayStore();
    resetChatStore();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("searches, previews, and deletes only after confirming with the name", async () => {
    const calls = setup({
      sessions: [session(), session({ key: "agent:main:ideas", title: "Ideas", messageCount: 4 })],
      history: () => [msg({ role: "user", text: "first idea" })],
      handler: (cmd) => (cmd === "sessions_delete" ? null : undefined),
    });
    await initGateway();
    render(() => <Sessions onOpen={() => {}} />);
    const rows = await screen.findAllByTestId("session-row");
    expect(rows.length).toBe(2);
    fireEvent.input(screen.getByTestId("sessions-search"), { target: { value: "idea" } });
    await waitFor(() => expect(calls.some((c) => c.cmd === "chat_sessions" && c.args.search === "idea")).toBe(true));
    fireEvent.click(rows[1]);
    expect(await screen.findByText("first idea")).toBeTruthy();
    fireEvent.click(screen.getByTestId("delete-session"));
    expect(await screen.findByText('Delete "Ideas"?')).toBeTruthy();
    expect(calls.some((c) => c.cmd === "sessions_delete")).toBe(false);
    fireEvent.click(screen.getByTestId("confirm"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "sessions_delete")?.args).toEqual({ key: "agent:main:ideas" }));
    expect((await screen.findByRole("status")).textContent).toBe('Deleted "Ideas".');
  });

  it("renders only the visible rows of a long list and loads more pages as it scrolls", async () => {
    const all = Array.from({ length: 250 }, (_, i) => session({ key: `agent:main:s${i}`, title: `Chat ${i}` }));
    const calls: Calls = [];
    // Pages by offset and limit, as the gateway answers them.
    mockIPC(
      (cmd, args) => {
        calls.push({ cmd, args: args as Record<string, unknown> });
        const a = args as { limit: number; offset: number };
        if (cmd === "gateway_status") return running;
        if (cmd === "gateway_metrics") return [];
        if (cmd === "chat_sessions") return { sessions: all.slice(a.offset, a.offset + a.limit), total: all.length };
        if (cmd === "plugin:event|listen") return 1;
        return undefined;
      },
      { shouldMockEvents: true },
    );
    await initGateway();
    render(() => <Sessions onOpen={() => {}} />);
    await screen.findAllByTestId("session-row");
    expect(screen.getByTestId("sessions-count").textContent).toBe("100 of 250 loaded");
    // A window's worth of rows is in the DOM, not all that were loaded.
    expect(screen.getAllByTestId("session-row").length).toBeLessThan(50);
    const pages = () => calls.filter((c) => c.cmd === "chat_sessions").map((c) => c.args.offset);
    expect(pages()).toEqual([0]);
    const scroller = screen.getByTestId("sessions-table").parentElement as HTMLElement;
    scroller.scrollTop = 90 * 53;
    fireEvent.scroll(scroller);
    await waitFor(() => expect(pages()).toEqual([0, 100]));
    await waitFor(() => expect(screen.getByTestId("sessions-count").textContent).toBe("200 of 250 loaded"));
    expect(screen.getByText("Chat 95")).toBeTruthy();
    scroller.scrollTop = 190 * 53;
    fireEvent.scroll(scroller);
    await waitFor(() => expect(screen.getByTestId("sessions-count").textContent).toBe("250 conversations"));
    scroller.scrollTop = 240 * 53;
    fireEvent.scroll(scroller);
    expect(await screen.findByText("Chat 249")).toBeTruthy();
    // Everything is loaded: no further requests.
    expect(pages()).toEqual([0, 100, 200]);
  });
});
