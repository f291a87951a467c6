import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Calls, msg, session, setup } from "../chat/fixtures";
import { resetChatStore } from "../chat/store";
import { initGateway, resetGatewayStore } from "../../shared/lib/gateway";
import { element } from "../../shared/test/dom";
import { running } from "../../shared/test/fixtures";
import { argsOf } from "../../shared/test/ipc";
import { Sessions } from "./Page";
import { toast, Toaster } from "../../shared/ui/Toast";

describe("Sessions", () => {
  beforeEach(() => {
    resetGatewayStore();
    resetChatStore();
  });
  afterEach(() => {
    toast.clear();
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
    render(() => (
      <>
        <Sessions onOpen={() => {}} />
        <Toaster />
      </>
    ));
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

  it("shows readable names, sorts by a column and keeps the selected conversation", async () => {
    setup({
      sessions: [session({ key: "agent:main:main", title: "agent:main:main", messageCount: 2 }), session({ key: "agent:main:ideas", title: "Ideas", messageCount: 9 })],
    });
    await initGateway();
    render(() => <Sessions onOpen={() => {}} />);
    const rows = await screen.findAllByTestId("session-row");
    expect(rows.map((r) => r.querySelector("td")?.textContent)).toEqual(["Main conversationhi there", "Ideashi there"]);
    expect(screen.queryByText("agent:main:main")).toBeNull();
    fireEvent.click(rows[0]);
    expect((await screen.findByTestId("session-key")).textContent).toBe("agent:main:main");
    fireEvent.click(screen.getByTestId("sessions-table-sort-messages"));
    const sorted = screen.getAllByTestId("session-row");
    expect(sorted.map((r) => r.getAttribute("data-key"))).toEqual(["agent:main:ideas", "agent:main:main"]);
    expect(sorted[1].getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("columnheader", { name: /Messages/ }).getAttribute("aria-sort")).toBe("descending");
  });

  it("renders only the visible rows of a long list and loads more pages as it scrolls", async () => {
    const all = Array.from({ length: 250 }, (_, i) => session({ key: `agent:main:s${i}`, title: `Chat ${i}` }));
    const calls: Calls = [];
    // Pages by offset and limit, as the gateway answers them.
    mockIPC(
      (cmd, args) => {
        const a = argsOf(args);
        calls.push({ cmd, args: a });
        if (cmd === "gateway_status") return running;
        if (cmd === "gateway_metrics") return [];
        if (cmd === "chat_sessions") return { sessions: all.slice(Number(a.offset), Number(a.offset) + Number(a.limit)), total: all.length };
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
    const scroller = element(screen.getByTestId("sessions-table").parentElement, HTMLElement);
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
