import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import userEvent from "@testing-library/user-event";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { presentError } from "../lib/errors";
import { ConfirmDialog, quoted } from "./ConfirmDialog";
import { ErrorNotice } from "./ErrorNotice";
import { RelativeTime } from "./RelativeTime";
import { toast, Toaster } from "./Toast";
import { TipButton } from "./Tooltip";

afterEach(() => {
  toast.clear();
  cleanup();
});

describe("toasts", () => {
  it("show a title and detail as a status, and close by themselves", async () => {
    render(() => <Toaster />);
    toast.success("Saved", "to /home/me/a.md", { testid: "t", duration: 200 });
    const t = await screen.findByTestId("t");
    expect(t.getAttribute("role")).toBe("status");
    expect(t.getAttribute("data-tone")).toBe("success");
    expect(t.textContent).toContain("Saved");
    expect(t.textContent).toContain("to /home/me/a.md");
    await waitFor(() => expect(screen.queryByTestId("t")).toBeNull(), { timeout: 2000 });
  });

  it("run their action once and close; Dismiss closes without it", async () => {
    render(() => <Toaster />);
    const run = vi.fn();
    toast.info("Cleared 3 lines", null, { action: { label: "Undo", run } });
    fireEvent.click(await screen.findByText("Undo"));
    expect(run).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByText("Cleared 3 lines")).toBeNull());
    toast.error("Export failed", "disk full");
    fireEvent.click(await screen.findByLabelText("Dismiss"));
    await waitFor(() => expect(screen.queryByText("Export failed")).toBeNull());
  });
});

describe("ErrorNotice", () => {
  it("says what happened, why and what to do, with the raw text under Details", () => {
    const e = presentError({ kind: "notFound", message: "no session `agent:main:x` in /tmp/.tmpQ1/sessions.db" });
    render(() => (
      <ErrorNotice error={e} testid="err">
        <button type="button">Retry</button>
      </ErrorNotice>
    ));
    const box = screen.getByTestId("err");
    expect(box.getAttribute("role")).toBe("alert");
    expect(box.textContent).toContain("It no longer exists");
    const cause = box.querySelector('[data-part="cause"]')?.textContent ?? "";
    expect(cause).toBe("No session agent:main:x in sessions.db");
    expect(box.querySelector('[data-part="action"]')?.textContent).toContain("Refresh the list");
    const details = box.querySelector("details");
    expect(details?.open).toBe(false);
    expect(details?.querySelector("summary")?.textContent).toBe("Details");
    expect(details?.querySelector("pre")?.textContent).toBe("no session `agent:main:x` in /tmp/.tmpQ1/sessions.db");
    expect(screen.getByText("Retry")).toBeTruthy();
  });

  it("has no Details when the raw text says nothing more", () => {
    render(() => <ErrorNotice title="Not saved" cause="Boom" />);
    expect(document.querySelector("details")).toBeNull();
  });
});

describe("TipButton", () => {
  it("shows its words and shortcut on keyboard focus, and names the shortcut", async () => {
    const user = userEvent.setup();
    render(() => (
      <TipButton tip="Command palette" shortcut="Ctrl+K" aria-label="Open the command palette">
        K
      </TipButton>
    ));
    const b = screen.getByLabelText("Open the command palette");
    expect(b.getAttribute("title")).toBeNull();
    expect(b.getAttribute("aria-keyshortcuts")).toBe("Ctrl+K");
    await user.tab();
    const tip = await screen.findByRole("tooltip");
    expect(tip.textContent).toContain("Command palette");
    expect(tip.querySelector("kbd")?.textContent).toBe("Ctrl+K");
  });
});

describe("ConfirmDialog", () => {
  it("names the object, focuses Cancel, and runs only on confirm", async () => {
    const onConfirm = vi.fn();
    const [open, setOpen] = createSignal(true);
    render(() => (
      <ConfirmDialog open={open()} title={`Delete session ${quoted("Trip planning")}?`} confirmLabel="Delete" onConfirm={onConfirm} onCancel={() => setOpen(false)}>
        Its 12 messages go too.
      </ConfirmDialog>
    ));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog.textContent).toContain("Delete session “Trip planning”?");
    await waitFor(() => expect(document.activeElement?.textContent).toBe("Cancel"));
    fireEvent.keyDown(dialog, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(onConfirm).not.toHaveBeenCalled();
    setOpen(true);
    fireEvent.click(await screen.findByTestId("confirm"));
    await waitFor(() => expect(onConfirm).toHaveBeenCalledTimes(1));
  });

  it("shortens a long name", () => {
    expect(quoted("x".repeat(100), 10)).toBe(`“${"x".repeat(9)}…”`);
  });
});

describe("RelativeTime", () => {
  it("says how long ago, with the exact time in datetime", () => {
    const ms = Date.now() - 3 * 60_000;
    render(() => <RelativeTime ms={ms} />);
    const t = screen.getByText("3 min ago");
    expect(t.tagName).toBe("TIME");
    expect(t.getAttribute("datetime")).toBe(new Date(ms).toISOString());
  });
});
