import { Dialog } from "@kobalte/core/dialog";
import type { JSX } from "solid-js";

/** An accessible modal (focus trap, Escape closes) with a title, body and actions. */
export function Modal(props: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: JSX.Element;
  actions: JSX.Element;
  wide?: boolean;
}) {
  return (
    <Dialog open={props.open} onOpenChange={(o) => !o && props.onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay class="fixed inset-0 bg-black/40 z-40" />
        <div class="fixed inset-0 z-50 flex items-center justify-center p-6">
          <Dialog.Content
            class={`w-full ${props.wide ? "max-w-3xl" : "max-w-md"} rounded-lg border border-line bg-surface text-fg shadow-xl p-5 space-y-4`}
          >
            <Dialog.Title class="text-base font-semibold">{props.title}</Dialog.Title>
            <div class="text-[13px]">{props.children}</div>
            <div class="flex justify-end gap-2">{props.actions}</div>
          </Dialog.Content>
        </div>
      </Dialog.Portal>
    </Dialog>
  );
}
