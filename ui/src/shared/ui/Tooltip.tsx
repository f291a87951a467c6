import { Tooltip as K } from "@kobalte/core/tooltip";
import { type JSX, Show, splitProps } from "solid-js";

/** Where a tooltip opens, relative to what it explains. */
export type TipPlacement = "top" | "bottom" | "left" | "right";

/** "Ctrl" on Linux and Windows, "⌘" on a Mac: `mod("K")` → "Ctrl+K" / "⌘K". */
export function mod(key: string): string {
  const mac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  return mac ? `⌘${key}` : `Ctrl+${key}`;
}

/** A keyboard shortcut drawn as keys. */
export function Kbd(props: { children: string }) {
  return (
    <kbd class="inline-flex items-center rounded border border-line bg-surface-2 px-1.5 h-5 font-sans text-[11px] font-medium text-muted">
      {props.children}
    </kbd>
  );
}

export type TipProps = {
  /** What the control does, in a few words. */
  tip: JSX.Element;
  /** Its keyboard shortcut ("Ctrl+K", "Esc"), shown as keys beside the words. */
  shortcut?: string;
  placement?: TipPlacement;
};

/** The floating part: words and shortcut, in the theme's colours. */
export function TipContent(props: { tip: JSX.Element; shortcut?: string }) {
  return (
    <K.Portal>
      <K.Content class="z-[70] flex items-center gap-2 rounded-md border border-line bg-surface px-2 py-1 text-[12px] text-fg shadow-md max-w-80">
        <span>{props.tip}</span>
        <Show when={props.shortcut}>{(s) => <Kbd>{s()}</Kbd>}</Show>
      </K.Content>
    </K.Portal>
  );
}

const rootProps = ["tip", "shortcut", "placement"] as const;

/** A `<button>` with a tooltip (on hover and on keyboard focus) instead of a native `title`.
 *  An icon-only button still needs its `aria-label`: a tooltip is a description, not a name. */
export function TipButton(props: TipProps & Omit<JSX.ButtonHTMLAttributes<HTMLButtonElement>, "type"> & { type?: "button" | "submit" | "reset" }) {
  const [tip, rest] = splitProps(props, rootProps);
  return (
    <K openDelay={400} closeDelay={0} placement={tip.placement ?? "bottom"} gutter={6}>
      <K.Trigger as="button" type="button" aria-keyshortcuts={tip.shortcut} {...rest} />
      <TipContent tip={tip.tip} shortcut={tip.shortcut} />
    </K>
  );
}

/** Text with a tooltip (e.g. a shortened value with the full one on hover); focusable so the
 *  keyboard reaches it too. */
export function TipText(props: TipProps & JSX.HTMLAttributes<HTMLSpanElement> & { focusable?: boolean }) {
  const [tip, local, rest] = splitProps(props, rootProps, ["focusable"]);
  return (
    <K openDelay={400} closeDelay={0} placement={tip.placement ?? "bottom"} gutter={6}>
      <K.Trigger as="span" tabIndex={local.focusable === false ? undefined : 0} {...rest} />
      <TipContent tip={tip.tip} shortcut={tip.shortcut} />
    </K>
  );
}
