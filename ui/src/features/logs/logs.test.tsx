import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initLogs, lines, MAX_LINES, resetLogStore } from "./store";
import { Logs } from "./Page";
import { line } from "../../shared/test/fixtures";
import { toast, Toaster } from "../../shared/ui/Toast";
import userEvent from "@testing-library/user-event";
import { byTestId } from "../../shared/test/dom";

function setup(recent: unknown) {
  mockIPC((cmd) => (cmd === "logs_recent" ? recent : undefined), { shouldMockEvents: true });
}

describe("Logs", () => {
  beforeEach(() => resetLogStore());
  afterEach(() => {
    toast.clear();
    cleanup();
    clearMocks();
  });

  it("shows a skeleton until history loads", async () => {
    setup(new Promise(() => {}));
    render(() => <Logs />);
    void initLogs();
    expect(await screen.findByLabelText("Loading")).toBeTruthy();
  });

  it("has an empty state that says what will appear", async () => {
    setup([]);
    render(() => <Logs />);
    await initLogs();
    expect((await screen.findByTestId("log-empty")).textContent).toContain("No log lines yet");
  });

  it("shows history, then live batches, and filters by text and level", async () => {
    setup([line(1, "gateway listening on ws://127.0.0.1:18789"), line(2, "client connected")]);
    render(() => <Logs />);
    await initLogs();
    await waitFor(() => expect(screen.getAllByTestId("log-line").length).toBe(2));
    await emit("log-batch", [line(3, "drain time ran out", "warn"), line(4, "cannot read the log", "error")]);
    await waitFor(() => expect(screen.getByTestId("log-count").textContent).toBe("4 lines"));
    fireEvent.input(screen.getByTestId("log-search"), { target: { value: "CLIENT" } });
    await waitFor(() => expect(screen.getByTestId("log-count").textContent).toBe("1 of 4 lines"));
    expect(screen.getByTestId("log-line").textContent).toContain("client connected");
    fireEvent.input(screen.getByTestId("log-search"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("level-info"));
    await waitFor(() => expect(screen.getByTestId("log-count").textContent).toBe("2 of 4 lines"));
    fireEvent.input(screen.getByTestId("log-search"), { target: { value: "no such words" } });
    expect((await screen.findByTestId("log-empty")).textContent).toContain("No line matches");
  });

  it("holds lines while paused and shows them on resume", async () => {
    setup([line(1, "one")]);
    render(() => <Logs />);
    await initLogs();
    fireEvent.click(screen.getByTestId("log-pause"));
    await emit("log-batch", [line(2, "two"), line(3, "three")]);
    await waitFor(() => expect(screen.getByTestId("log-pause").textContent).toContain("Resume (2 new)"));
    expect(screen.getByTestId("log-count").textContent).toBe("1 lines");
    fireEvent.click(screen.getByTestId("log-pause"));
    await waitFor(() => expect(screen.getByTestId("log-count").textContent).toBe("3 lines"));
  });

  it("keeps memory bounded: at most MAX_LINES lines, and renders only a window of them", async () => {
    setup([]);
    render(() => <Logs />);
    await initLogs();
    const big = Array.from({ length: 30_000 }, (_, i) => line(i + 1, `line ${i + 1}`));
    for (let k = 0; k < 4; k++) {
      await emit("log-batch", big.map((l) => ({ ...l, seq: l.seq + k * 30_000 })));
    }
    await waitFor(() => expect(lines().length).toBe(MAX_LINES));
    expect(lines()[0].seq).toBe(120_000 - MAX_LINES + 1);
    expect(screen.getAllByTestId("log-line").length).toBeLessThan(100);
  });

  it("reports a failed export in words, and a cancelled one not at all", async () => {
    let answer: unknown = { kind: "io", message: "cannot write /read-only/x.log: permission denied" };
    mockIPC(
      (cmd) => {
        if (cmd === "logs_recent") return [line(1, "one")];
        if (cmd === "logs_export") throw answer;
      },
      { shouldMockEvents: true },
    );
    render(() => (
      <>
        <Logs />
        <Toaster />
      </>
    ));
    await initLogs();
    fireEvent.click(await screen.findByText("Export"));
    expect(await screen.findByText("cannot write /read-only/x.log: permission denied")).toBeTruthy();
    answer = { kind: "cancelled" };
    fireEvent.click(screen.getByText("Clear"));
    await emit("log-batch", [line(2, "two")]);
    fireEvent.click(await screen.findByText("Export"));
    await waitFor(() => expect(screen.queryByText(/cancelled/i)).toBeNull());
  });

  it("clear empties the view", async () => {
    setup([line(1, "one")]);
    render(() => <Logs />);
    await initLogs();
    fireEvent.click(screen.getByTestId("log-clear"));
    expect((await screen.findByTestId("log-empty")).textContent).toContain("No log lines yet");
  });

  it("clear says what it cleared and offers Undo", async () => {
    setup([line(1, "one"), line(2, "two")]);
    render(() => (
      <>
        <Logs />
        <Toaster />
      </>
    ));
    await initLogs();
    fireEvent.click(screen.getByTestId("log-clear"));
    expect(await screen.findByText("Cleared 2 lines from this view")).toBeTruthy();
    await emit("log-batch", [line(3, "three")]);
    fireEvent.click(screen.getByText("Undo"));
    await waitFor(() => expect(lines().map((l) => l.message)).toEqual(["one", "two", "three"]));
  });

  it("opens a line to its whole text and its fields, by click or with Enter", async () => {
    const long = `request failed: ${"x".repeat(400)} (the end)`;
    setup([line(1, "one"), { ...line(2, long, "error"), fields: [["conn_id", "c2"], ["method", "chat.send"]] }]);
    render(() => <Logs />);
    await initLogs();
    await waitFor(() => expect(screen.getAllByTestId("log-line")).toHaveLength(2));
    const [first, second] = screen.getAllByTestId("log-line-toggle");
    expect(second.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(second);
    expect(second.getAttribute("aria-expanded")).toBe("true");
    const details = screen.getByTestId("log-line-details");
    expect(screen.getByTestId("log-line-message").textContent).toBe(long);
    expect(screen.getAllByTestId("log-field-name").map((e) => e.textContent)).toEqual(["conn_id", "method"]);
    expect(screen.getAllByTestId("log-field-value").map((e) => e.textContent)).toEqual(["c2", "chat.send"]);
    expect(details.textContent).toContain("tidepool_gateway");
    fireEvent.click(second);
    expect(screen.queryByTestId("log-line-details")).toBeNull();

    // The keyboard: Enter opens the focused line; arrow keys move between lines.
    const user = userEvent.setup();
    first.focus();
    await user.keyboard("{Enter}");
    expect(first.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getByTestId("log-line-message").textContent).toBe("one");
    await user.keyboard("{ArrowDown}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getAllByTestId("log-line-toggle")[1]));
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("log-line-message").textContent).toBe(long);
  });

  it("level chips say whether they are on, with a check", async () => {
    setup([line(1, "one")]);
    render(() => <Logs />);
    await initLogs();
    const info = screen.getByTestId("level-info");
    expect(info.getAttribute("aria-pressed")).toBe("true");
    expect(screen.queryByTestId("level-info-check")).toBeTruthy();
    fireEvent.click(info);
    expect(info.getAttribute("aria-pressed")).toBe("false");
    expect(screen.queryByTestId("level-info-check")).toBeNull();
    // The others stay on.
    expect(screen.getByTestId("level-error").getAttribute("aria-pressed")).toBe("true");
    expect(screen.queryByTestId("level-error-check")).toBeTruthy();
  });

  it("offers Reset filters when the filters hide every line", async () => {
    setup([line(1, "one"), line(2, "two", "warn")]);
    render(() => <Logs />);
    await initLogs();
    await waitFor(() => expect(screen.getAllByTestId("log-line")).toHaveLength(2));
    fireEvent.click(screen.getByTestId("level-warn"));
    fireEvent.input(screen.getByTestId("log-search"), { target: { value: "zzz" } });
    const empty = await screen.findByTestId("log-empty");
    expect(empty.textContent).toContain("No line matches the search and level filters (2 lines hidden).");
    fireEvent.click(screen.getByTestId("log-reset-filters"));
    await waitFor(() => expect(screen.getAllByTestId("log-line")).toHaveLength(2));
    expect(byTestId("log-search", HTMLInputElement).value).toBe("");
    expect(screen.getByTestId("level-warn").getAttribute("aria-pressed")).toBe("true");
  });

  it("has no Reset filters when there is simply nothing yet", async () => {
    setup([]);
    render(() => <Logs />);
    await initLogs();
    await screen.findByTestId("log-empty");
    expect(screen.queryByTestId("log-reset-filters")).toBeNull();
  });
});
