import { Toast, toaster } from "@kobalte/core/toast";
import { type JSX, Show } from "solid-js";
import { CircleAlert, CircleCheck, Info, X } from "./icons";

type Tone = "success" | "error" | "info";

export type ToastOptions = {
  /** A button in the toast (e.g. "Undo", "Start again"); clicking it also closes the toast. */
  action?: { label: string; run: () => unknown };
  /** The toast's test id. */
  testid?: string;
  /** Milliseconds before it closes by itself (the region's default otherwise). */
  duration?: number;
};

const icon: Record<Tone, () => JSX.Element> = {
  success: () => <CircleCheck size={17} class="text-ok shrink-0 mt-px" aria-hidden="true" />,
  error: () => <CircleAlert size={17} class="text-err shrink-0 mt-px" aria-hidden="true" />,
  info: () => <Info size={17} class="text-accent shrink-0 mt-px" aria-hidden="true" />,
};

function show(tone: Tone, title: string, detail?: string | null, opts: ToastOptions = {}): number {
  return toaster.show((p) => (
    <Toast
      toastId={p.toastId}
      duration={opts.duration ?? (tone === "error" ? 8000 : undefined)}
      data-testid={opts.testid}
      data-tone={tone}
      class="group flex items-start gap-2.5 rounded-lg border border-line bg-surface text-fg shadow-lg px-3.5 py-3 text-[13px] data-[opened]:animate-in data-[closed]:opacity-0 transition-opacity"
    >
      {icon[tone]()}
      <div class="flex-1 min-w-0">
        <Toast.Title class="font-medium break-words">{title}</Toast.Title>
        <Show when={detail}>
          <Toast.Description class="text-muted break-words mt-0.5">{detail}</Toast.Description>
        </Show>
      </div>
      <Show when={opts.action}>
        {(a) => (
          <button
            type="button"
            class="shrink-0 rounded-md px-2 h-6 text-[12px] font-medium text-accent hover:bg-surface-2"
            onClick={() => {
              void a().run();
              toaster.dismiss(p.toastId);
            }}
          >
            {a().label}
          </button>
        )}
      </Show>
      <Toast.CloseButton aria-label="Dismiss" class="shrink-0 rounded p-0.5 text-muted hover:text-fg hover:bg-surface-2">
        <X size={14} aria-hidden="true" />
      </Toast.CloseButton>
    </Toast>
  ));
}

/** Short-lived confirmations (saved, copied, exported, deleted) that do not shift the page.
 *  Errors that need the user to act stay on the page, next to what they are about. */
export const toast = {
  success: (title: string, detail?: string | null, opts?: ToastOptions) => show("success", title, detail, opts),
  error: (title: string, detail?: string | null, opts?: ToastOptions) => show("error", title, detail, opts),
  info: (title: string, detail?: string | null, opts?: ToastOptions) => show("info", title, detail, opts),
  dismiss: (id: number) => toaster.dismiss(id),
  clear: () => toaster.clear(),
};

/** Where toasts appear: bottom right, raised above the chat's composer and the setup's footer
 *  (at the top they covered the pages' toolbars and the header's buttons); mounted once, in the app's root. F8 moves focus to it.
 *  Below dialogs (z-40/50): an open dialog's buttons are never covered by a toast. A toast
 *  runs out while the window is in the background too (a "Saved" should not wait for the
 *  user's return); hovering one still holds it. */
export function Toaster() {
  return (
    <Toast.Region duration={5000} limit={3} pauseOnPageIdle={false} hotkey={["F8"]} aria-label="Notifications (F8)" swipeDirection="right">
      <Toast.List class="fixed bottom-24 right-4 z-30 flex flex-col gap-2 w-96 max-w-[calc(100vw-2rem)] m-0 p-0 list-none outline-none" />
    </Toast.Region>
  );
}
