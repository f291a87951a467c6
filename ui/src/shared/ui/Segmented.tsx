import { SegmentedControl } from "@kobalte/core/segmented-control";
import { For, type JSX } from "solid-js";
import { radioFocus } from "./RadioCards";

/** The ring a focused (hidden) radio shows on the label drawn for it. */
export const radioFocusRing = radioFocus;

/** Puts the checked radio of a group back on `value` (a refused or pending change leaves the
 *  one the user clicked checked by the browser). */
export function syncRadios(group: HTMLElement | undefined, value: string): void {
  for (const input of group?.querySelectorAll("input[type=radio]") ?? []) {
    if (input instanceof HTMLInputElement) input.checked = input.value === value;
  }
}

/** One of a few choices as a row of segments (Kobalte SegmentedControl: arrow keys move, one
 *  tab stop), in the app's colours in both themes. */
export function Segmented<T extends string>(props: {
  /** The group's name for assistive technology. */
  label: string;
  /** The radios' `name`. */
  name: string;
  options: readonly { id: T; label: string; icon?: () => JSX.Element }[];
  value: T;
  /** May be async: the radios follow `value` once it settles. */
  onChange: (id: T) => unknown;
  /** Each segment's test id is `${testid}-${id}`. */
  testid: string;
  /** Horizontal padding of a segment. */
  pad?: string;
}) {
  let group: HTMLDivElement | undefined;
  const pick = async (v: string) => {
    const o = props.options.find((x) => x.id === v);
    if (!o) return;
    await props.onChange(o.id);
    syncRadios(group, props.value);
  };
  return (
    <SegmentedControl
      ref={group}
      value={props.value}
      onChange={(v) => void pick(v)}
      name={props.name}
      aria-label={props.label}
      class="inline-flex rounded-md border border-line p-0.5 bg-surface-2"
    >
      <For each={props.options}>
        {(o) => (
          <SegmentedControl.Item value={o.id} class="relative">
            <SegmentedControl.ItemLabel
              data-testid={`${props.testid}-${o.id}`}
              class={`inline-flex items-center gap-1.5 ${props.pad ?? "px-3"} h-7 rounded text-[13px] select-none cursor-pointer ${radioFocus} text-muted hover:text-fg data-[checked]:text-fg data-[checked]:bg-surface data-[checked]:shadow-sm`}
            >
              <SegmentedControl.ItemInput />
              {o.icon?.()}
              {o.label}
            </SegmentedControl.ItemLabel>
          </SegmentedControl.Item>
        )}
      </For>
    </SegmentedControl>
  );
}
