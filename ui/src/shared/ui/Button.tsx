import { LoaderCircle } from "./icons";
import { type JSX, Show, splitProps } from "solid-js";
import { TipButton, type TipPlacement } from "./Tooltip";

type Props = Omit<JSX.ButtonHTMLAttributes<HTMLButtonElement>, "type"> & {
  type?: "button" | "submit" | "reset";
  variant?: "primary" | "secondary" | "danger" | "ghost";
  loading?: boolean;
  icon?: JSX.Element;
  /** A tooltip (instead of a native `title`), with an optional shortcut hint. */
  tooltip?: JSX.Element;
  shortcut?: string;
  tooltipPlacement?: TipPlacement;
};

const styles: Record<NonNullable<Props["variant"]>, string> = {
  primary: "bg-accent text-accent-fg hover:opacity-90 border-transparent",
  secondary: "bg-surface text-fg border-line hover:bg-surface-2",
  danger: "bg-surface text-err border-line hover:bg-surface-2",
  ghost: "bg-transparent text-muted border-transparent hover:bg-surface-2 hover:text-fg",
};

/** A button that shows a spinner and disables itself while its action runs. */
export function Button(props: Props) {
  const [local, rest] = splitProps(props, ["variant", "loading", "icon", "children", "class", "disabled", "tooltip", "shortcut", "tooltipPlacement"]);
  const cls = () =>
    `inline-flex items-center gap-2 whitespace-nowrap rounded-md border px-3 h-8 text-[13px] font-medium transition-colors disabled:opacity-50 disabled:cursor-not-allowed ${styles[local.variant ?? "secondary"]} ${local.class ?? ""}`;
  const inner = () => (
    <>
      <Show when={local.loading} fallback={local.icon}>
        <LoaderCircle size={15} class="animate-spin" aria-hidden="true" />
      </Show>
      {local.children}
    </>
  );
  return (
    <Show
      when={local.tooltip}
      fallback={
        <button type="button" {...rest} disabled={local.disabled || local.loading} aria-busy={local.loading ? "true" : undefined} class={cls()}>
          {inner()}
        </button>
      }
    >
      <TipButton
        tip={local.tooltip}
        shortcut={local.shortcut}
        placement={local.tooltipPlacement}
        {...rest}
        disabled={local.disabled || local.loading}
        aria-busy={local.loading ? "true" : undefined}
        class={cls()}
      >
        {inner()}
      </TipButton>
    </Show>
  );
}
