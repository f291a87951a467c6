import { For, type JSX } from "solid-js";

/** The ring a focused (hidden) radio shows on the label drawn for it. */
export const radioFocusRing = "has-[input:focus-visible]:outline-2 has-[input:focus-visible]:outline-offset-2 has-[input:focus-visible]:outline-accent";

/** Puts the checked radio of a group back on `value` (a refused or pending change leaves the
 *  one the user clicked checked by the browser). */
export function syncRadios(group: HTMLElement | undefined, value: string): void {
  for (const input of group?.querySelectorAll("input[type=radio]") ?? []) {
    if (input instanceof HTMLInputElement) input.checked = input.value === value;
  }
}

/** One of a few choices as a row of segments: native radio buttons (hidden), drawn as pills. */
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
  const pick = async (id: T) => {
    await props.onChange(id);
    syncRadios(group, props.value);
  };
  return (
    <div ref={group} role="radiogroup" aria-label={props.label} class="inline-flex rounded-md border border-line p-0.5 bg-surface-2">
      <For each={props.options}>
        {(o) => (
          <label
            data-testid={`${props.testid}-${o.id}`}
            class={`inline-flex items-center gap-1.5 ${props.pad ?? "px-3"} h-7 rounded text-[13px] select-none ${radioFocusRing} ${props.value === o.id ? "bg-surface shadow-sm text-fg" : "text-muted hover:text-fg"}`}
          >
            <input type="radio" class="sr-only" name={props.name} value={o.id} checked={props.value === o.id} onChange={() => void pick(o.id)} />
            {o.icon?.()}
            {o.label}
          </label>
        )}
      </For>
    </div>
  );
}
