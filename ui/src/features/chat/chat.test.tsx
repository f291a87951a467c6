import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatMessageView } from "../../bindings";
import { resetChatStore } from "./store";
import { initGateway, resetGatewayStore } from "../../shared/lib/gateway";
import { Chat } from "./Page";
import { Toaster, toast } from "../../shared/ui/Toast";
import { running, stopped } from "../../shared/test/fixtures";
import { byTestId, defined } from "../../shared/test/dom";
import { KEY, msg, session, setup } from "./fixtures";

const stream = (payload: object) => emit("chat-stream", payload);

describe("Chat", () => {
  beforeEach(() => {
    resetGatewayStore();
    resetChatStore();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
    toast.clear();
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
    fireEvent.click(defined(card.querySelector("button")));
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
    const box = byTestId("composer", HTMLTextAreaElement);
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
    const box = byTestId("composer", HTMLTextAreaElement);
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

  it("opens links from a reply in the system browser, and says why when one is refused", async () => {
    const calls = setup({
      history: () => [msg({ role: "assistant", text: "See [the docs](https://docs.openclaw.ai/gateway) or [call](tel:+15550100)." })],
      handler: (cmd, args) => {
        if (cmd === "app_open_link") {
          if (String(args.url).startsWith("tel:")) throw { kind: "invalidInput", message: "links to tel: addresses are not opened; only web pages (http, https) and mail" };
          return null;
        }
      },
    });
    await initGateway();
    render(() => (
      <>
        <Chat />
        <Toaster />
      </>
    ));
    const reply = await screen.findByTestId("msg-assistant");
    const [docs, file] = Array.from(reply.querySelectorAll("a"));
    const opened = fireEvent.click(defined(docs));
    // The window itself never navigates.
    expect(opened).toBe(false);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "app_open_link").map((c) => c.args.url)).toEqual(["https://docs.openclaw.ai/gateway"]));
    fireEvent.click(defined(file));
    expect(await screen.findByText("Link not opened")).toBeTruthy();
    expect(screen.getByText(/tel: addresses are not opened/)).toBeTruthy();
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
    const box = byTestId("composer", HTMLTextAreaElement);
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

  it("gives the composer the focus back when a reply ends, but not when the user went to the search box", async () => {
    let history: ChatMessageView[] = [];
    const calls = setup({ history: () => history, handler: (cmd) => (cmd === "chat_send" ? { runId: "r1", sessionKey: KEY } : cmd === "chat_abort" ? true : undefined) });
    await initGateway();
    render(() => <Chat />);
    const box = byTestId("composer", HTMLTextAreaElement);
    await waitFor(() => expect(document.activeElement).toBe(box));
    fireEvent.input(box, { target: { value: "q" } });
    fireEvent.keyDown(box, { key: "Enter" });
    await stream({ kind: "delta", runId: "r1", sessionKey: KEY, text: "partial" });
    // The user clicks Stop: the focus is on a button that goes away with the reply.
    const stop = await screen.findByTestId("stop");
    stop.focus();
    history = [msg({ role: "user", text: "q" }), msg({ role: "assistant", text: "partial", status: "aborted" })];
    await stream({ kind: "aborted", runId: "r1", sessionKey: KEY });
    await waitFor(() => expect(document.activeElement).toBe(box));

    fireEvent.input(box, { target: { value: "again" } });
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "chat_send")).toHaveLength(2));
    await stream({ kind: "delta", runId: "r1", sessionKey: KEY, text: "more" });
    await screen.findByTestId("live-reply");
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    const search = byTestId("chat-search", HTMLInputElement);
    search.focus();
    await stream({ kind: "final", runId: "r1", sessionKey: KEY });
    await waitFor(() => expect(screen.queryByTestId("live-reply")).toBeNull());
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    expect(document.activeElement).toBe(search);
  });

  it("draws one focus ring around the composer: the box's, not the textarea's too", async () => {
    setup({});
    await initGateway();
    render(() => <Chat />);
    const box = await screen.findByTestId("composer");
    expect(box.classList.contains("outline-none")).toBe(true);
    // The app's ring (styles.css) is in the base layer, so this utility wins over it.
    expect(screen.getByTestId("composer-box").className).toContain("focus-within:outline-2");
  });

  it("copies a message to the clipboard and says so", async () => {
    const writeText = vi.fn(async (_: string) => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    setup({ history: () => [msg({ role: "user", text: "what is 2+2?" }), msg({ role: "assistant", text: "It is **4**." })] });
    await initGateway();
    render(() => (
      <>
        <Chat />
        <Toaster />
      </>
    ));
    const reply = await screen.findByTestId("msg-assistant");
    fireEvent.click(defined(reply.querySelector('[data-testid="copy"]')));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("It is **4**."));
    expect(await screen.findByText("Copied")).toBeTruthy();
    fireEvent.click(defined(screen.getByTestId("msg-user").querySelector('[data-testid="copy"]')));
    await waitFor(() => expect(writeText).toHaveBeenLastCalledWith("what is 2+2?"));
  });

  it("offers Retry on the last reply (also when it worked), and runs the last message again", async () => {
    const calls = setup({
      history: () => [msg({ role: "user", text: "a" }), msg({ role: "assistant", text: "one" }), msg({ role: "user", text: "b" }), msg({ role: "assistant", text: "two" })],
      handler: (cmd) => (cmd === "chat_retry" ? { runId: "r3", sessionKey: KEY } : undefined),
    });
    await initGateway();
    render(() => <Chat />);
    await waitFor(() => expect(screen.getAllByTestId("msg-assistant")).toHaveLength(2));
    const retries = screen.getAllByTestId("retry");
    expect(retries).toHaveLength(1);
    expect(screen.getAllByTestId("msg-assistant")[1].contains(retries[0])).toBe(true);
    // Every message can be copied.
    expect(screen.getAllByTestId("copy")).toHaveLength(4);
    fireEvent.click(retries[0]);
    await waitFor(() => expect(calls.find((c) => c.cmd === "chat_retry")?.args).toEqual({ key: KEY }));
    // While the reply is written there is nothing to retry.
    await waitFor(() => expect(screen.queryByTestId("retry")).toBeNull());
  });

  it("marks a failed tool call as failed and shows its error without opening it", async () => {
    setup({
      history: () => [
        msg({ role: "assistant", text: "", toolCalls: [{ id: "t1", name: "exec", arguments: '{"command":"cat nope"}' }, { id: "t2", name: "list", arguments: "{}" }] }),
        msg({ role: "toolResult", toolCallId: "t1", toolName: "exec", text: "cat: nope: No such file or directory\nexit code 1", isError: true, durationMs: 12 }),
        msg({ role: "toolResult", toolCallId: "t2", toolName: "list", text: "a.txt", durationMs: 2 }),
      ],
    });
    await initGateway();
    render(() => <Chat />);
    await waitFor(() => expect(screen.getAllByTestId("tool-card")).toHaveLength(2));
    const [bad, good] = screen.getAllByTestId("tool-card");
    expect(bad.dataset.failed).toBe("true");
    expect(bad.className).toContain("border-err");
    expect(defined(bad.querySelector('[data-testid="tool-status"]')).textContent).toBe("Failed · 12 ms");
    expect(defined(bad.querySelector('[data-testid="tool-error"]')).textContent).toBe("cat: nope: No such file or directory");
    expect(good.dataset.failed).toBeUndefined();
    expect(defined(good.querySelector('[data-testid="tool-status"]')).textContent).toBe("Done · 2 ms");
    expect(good.querySelector('[data-testid="tool-error"]')).toBeNull();
    fireEvent.click(defined(bad.querySelector("button")));
    expect(defined(bad.querySelector('[data-testid="tool-result"]')).textContent).toBe("cat: nope: No such file or directory\nexit code 1");
  });

  it("moves the conversation to the top of the list when a message is sent, and lists a new one at once", async () => {
    const other = session({ key: "agent:main:ideas", title: "Ideas", preview: "older words" });
    const calls = setup({
      sessions: [other, session()],
      handler: (cmd, args) => {
        if (cmd === "chat_send") return { runId: "r1", sessionKey: String(args.key) };
        if (cmd === "chat_new") return "agent:main:trip";
      },
    });
    await initGateway();
    render(() => <Chat />);
    await waitFor(() => expect(screen.getAllByTestId("session-item")).toHaveLength(2));
    expect(screen.getAllByTestId("session-item")[0].textContent).toContain("Ideas");
    const box = byTestId("composer", HTMLTextAreaElement);
    fireEvent.input(box, { target: { value: "fresh words" } });
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(screen.getAllByTestId("session-item")[0].textContent).toContain("fresh words"));
    expect(screen.getAllByTestId("session-item")[0].getAttribute("aria-current")).toBe("true");

    // A new chat is not listed by the gateway until it has a message; it appears with the first one.
    await stream({ kind: "final", runId: "r1", sessionKey: KEY });
    fireEvent.click(screen.getByTestId("new-chat"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "chat_history" && c.args.key === "agent:main:trip")).toBe(true));
    fireEvent.input(box, { target: { value: "Plan Lisbon" } });
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(screen.getAllByTestId("session-item")).toHaveLength(3));
    const top = screen.getAllByTestId("session-item")[0];
    expect(top.textContent).toContain("Plan Lisbon");
    expect(top.getAttribute("aria-current")).toBe("true");
  });

  it("searches the conversations (on the gateway), and Escape lists them all again", async () => {
    const calls = setup({
      handler: () => undefined,
      sessions: [session()],
    });
    await initGateway();
    render(() => <Chat />);
    await screen.findAllByTestId("session-item");
    // The page has finished loading (the model list comes last).
    await waitFor(() => expect(calls.some((c) => c.cmd === "chat_models")).toBe(true));
    calls.length = 0;
    fireEvent.input(byTestId("chat-search", HTMLInputElement), { target: { value: "lisbon" } });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "chat_sessions").at(-1)?.args).toEqual({ search: "lisbon", limit: 200, offset: 0 }));
    // Escape clears it and lists them all.
    calls.length = 0;
    fireEvent.keyDown(byTestId("chat-search", HTMLInputElement), { key: "Escape" });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "chat_sessions").at(-1)?.args).toEqual({ search: null, limit: 200, offset: 0 }));
    expect(byTestId("chat-search", HTMLInputElement).value).toBe("");
  });

  it("says no conversation matches the search, with a way back to all of them", async () => {
    const calls = setup({ handler: () => undefined, sessions: [] });
    await initGateway();
    render(() => <Chat />);
    expect((await screen.findByTestId("sessions-empty")).textContent).toBe("No conversations yet.");
    await waitFor(() => expect(calls.some((c) => c.cmd === "chat_models")).toBe(true));
    fireEvent.input(byTestId("chat-search", HTMLInputElement), { target: { value: "zzz" } });
    await waitFor(() => expect(screen.getByTestId("sessions-empty").textContent).toContain("No conversation matches “zzz”."));
    fireEvent.click(screen.getByText("Show all"));
    await waitFor(() => expect(screen.getByTestId("sessions-empty").textContent).toBe("No conversations yet."));
  });

  it("deletes a conversation only after confirming with its name, and opens the main one if it was open", async () => {
    let listed = [session({ key: "agent:main:ideas", title: "Trip ideas" }), session()];
    const calls = setup({
      get sessions() {
        return listed;
      },
      handler: (cmd) => {
        if (cmd === "sessions_delete") {
          listed = [session()];
          return null;
        }
      },
    });
    await initGateway();
    render(() => (
      <>
        <Chat />
        <Toaster />
      </>
    ));
    const items = await screen.findAllByTestId("session-item");
    await waitFor(() => expect(calls.some((c) => c.cmd === "chat_models")).toBe(true));
    fireEvent.click(items[0]);
    await waitFor(() => expect(items[0].getAttribute("aria-current")).toBe("true"));
    // The Delete key on a conversation asks too.
    fireEvent.keyDown(items[0], { key: "Delete" });
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog.textContent).toContain("Delete conversation “Trip ideas”?");
    fireEvent.click(screen.getByTestId("confirm-cancel"));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(calls.some((c) => c.cmd === "sessions_delete")).toBe(false);

    fireEvent.click(screen.getAllByTestId("session-delete")[0]);
    await screen.findByRole("alertdialog");
    fireEvent.click(screen.getByTestId("confirm"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "sessions_delete")?.args).toEqual({ key: "agent:main:ideas" }));
    expect(await screen.findByText("Deleted “Trip ideas”")).toBeTruthy();
    await waitFor(() => expect(screen.getAllByTestId("session-item")).toHaveLength(1));
    expect(screen.getAllByTestId("session-item")[0].getAttribute("aria-current")).toBe("true");
  });
  it("renames the open conversation in its header: Enter saves, Escape keeps the name, a refusal says why", async () => {
    let listed = [session({ key: "agent:main:ideas", title: "Trip ideas" }), session()];
    const calls = setup({
      get sessions() {
        return listed;
      },
      handler: (cmd, args) => {
        if (cmd === "sessions_rename") {
          if (args.name === "bad\tname") throw { kind: "invalidInput", message: "the name has a line break or another control character; use one line of text" };
          const title = String(args.name).trim() || "plan the trip";
          listed = listed.map((s) => (s.key === args.key ? { ...s, title } : s));
          return title;
        }
      },
    });
    await initGateway();
    render(() => (
      <>
        <Chat />
        <Toaster />
      </>
    ));
    const items = await screen.findAllByTestId("session-item");
    await waitFor(() => expect(calls.some((c) => c.cmd === "chat_models")).toBe(true));
    fireEvent.click(items[0]);
    await waitFor(() => expect(items[0].getAttribute("aria-current")).toBe("true"));
    // The header follows the conversation that opens (it used to keep the first one's name).
    await waitFor(() => expect(screen.getByTestId("chat-title").textContent).toBe("Trip ideas"));
    fireEvent.click(screen.getAllByTestId("session-item")[1]);
    await waitFor(() => expect(screen.getByTestId("chat-title").textContent).toBe("hello"));
    fireEvent.click(screen.getAllByTestId("session-item")[0]);
    await waitFor(() => expect(screen.getByTestId("chat-title").textContent).toBe("Trip ideas"));

    // F2 on the list item opens the field with the name selected; Escape leaves it as it was.
    fireEvent.keyDown(items[0], { key: "F2" });
    const field = await waitFor(() => byTestId("rename-input", HTMLInputElement));
    expect(field.value).toBe("Trip ideas");
    fireEvent.keyDown(field, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("rename-input")).toBeNull());
    expect(calls.some((c) => c.cmd === "sessions_rename")).toBe(false);

    // The pencil, a new name, Enter: saved, shown in the header and the list, and said.
    fireEvent.click(screen.getByTestId("rename"));
    const again = await waitFor(() => byTestId("rename-input", HTMLInputElement));
    fireEvent.input(again, { target: { value: "Lisbon in May" } });
    fireEvent.keyDown(again, { key: "Enter" });
    await waitFor(() => expect(calls.find((c) => c.cmd === "sessions_rename")?.args).toEqual({ key: "agent:main:ideas", name: "Lisbon in May" }));
    expect(await screen.findByText("Renamed to “Lisbon in May”")).toBeTruthy();
    expect(screen.getByTestId("chat-title").textContent).toBe("Lisbon in May");
    expect(screen.getAllByTestId("session-item")[0].textContent).toContain("Lisbon in May");

    // A name the gateway refuses keeps the old one and says why.
    fireEvent.click(screen.getByTestId("rename"));
    const bad = await waitFor(() => byTestId("rename-input", HTMLInputElement));
    fireEvent.input(bad, { target: { value: "bad\tname" } });
    fireEvent.keyDown(bad, { key: "Enter" });
    expect(await screen.findByText("“Lisbon in May” was not renamed")).toBeTruthy();
    expect(screen.getByTestId("chat-title").textContent).toBe("Lisbon in May");
  });
});
