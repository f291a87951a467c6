import { AlertDialog } from "@kobalte/core/alert-dialog";
import { createSignal, type JSX } from "solid-js";
import { Button } from "./Button";

/** A name in quotes, shortened if long: `Trip planning` → “Trip planning”. */
export function quoted(name: string, max = 60): string {
  const n = name.trim();
  return `“${n.length > max ? `${n.slice(0, max - 1)}…` : n}”`;
}

/**
 * Asks before a destructive action, naming its object ("Delete session “Trip planning”?").
 * Cancel has the focus first, so Enter does not destroy anything by accident; Escape cancels.
 */
export function ConfirmDialog(props: {
  open: boolean;
  /** The question, with the object's name: `Delete session ${quoted(title)}?`. */
  title: string;
  /** What will happen, and whether it can be undone. */
  children?: JSX.Element;
  /** The button's words: the verb ("Delete", "Stop", "Clear"). */
  confirmLabel: string;
  /** `danger` for what cannot be undone. */
  tone?: "danger" | "primary";
  /** May be async: the button shows a spinner until it settles, then the dialog closes. */
  onConfirm: () => unknown;
  onCancel: () => void;
  /** The confirm button's test id. */
  testid?: string;
}) {
  const [busy, setBusy] = createSignal(false);
  let cancel: HTMLButtonElement | undefined;
  const confirm = async () => {
    setBusy(true);
    try {
      await props.onConfirm();
    } finally {
      setBusy(false);
    }
  };
  return (
    <AlertDialog open={props.open} onOpenChange={(o) => !o && !busy() && props.onCancel()}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay class="fixed inset-0 bg-black/40 z-40" />
        <div class="fixed inset-0 z-50 flex items-center justify-center p-6">
          <AlertDialog.Content
            class="w-full max-w-md rounded-lg border border-line bg-surface text-fg shadow-xl p-5 space-y-4"
            onOpenAutoFocus={(e) => {
              e.preventDefault();
              cancel?.focus();
            }}
          >
            <AlertDialog.Title class="text-base font-semibold break-words">{props.title}</AlertDialog.Title>
            <AlertDialog.Description as="div" class="text-[13px] text-muted">
              {props.children}
            </AlertDialog.Description>
            <div class="flex justify-end gap-2">
              <Button ref={cancel} disabled={busy()} onClick={() => props.onCancel()} data-testid={props.testid ? `${props.testid}-cancel` : undefined}>
                Cancel
              </Button>
              <Button variant={props.tone ?? "danger"} loading={busy()} data-testid={props.testid ?? "confirm"} onClick={() => void confirm()}>
                {props.confirmLabel}
              </Button>
            </div>
          </AlertDialog.Content>
        </div>
      </AlertDialog.Portal>
    </AlertDialog>
  );
}
