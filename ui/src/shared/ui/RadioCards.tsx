import { RadioGroup } from "@kobalte/core/radio-group";
import { createContext, type JSX, onCleanup, Show, useContext } from "solid-js";

/** The ring a focused (visually hidden) radio shows on the card or segment drawn for it. */
export const radioFocus = "has-[input:focus-visible]:outline-2 has-[input:focus-visible]:outline-offset-2 has-[input:focus-visible]:outline-accent";

const Picks = createContext<Map<string, () => void>>();

/**
 * A group of choices drawn as cards (Kobalte RadioGroup: arrow keys move, one tab stop), in
 * the app's colours in both themes. Each `RadioCard` says what picking it does.
 */
export function RadioCards(props: { label: string; name: string; value: string; class?: string; children: JSX.Element; testid?: string }) {
  const picks = new Map<string, () => void>();
  return (
    <Picks.Provider value={picks}>
      <RadioGroup
        value={props.value}
        onChange={(v) => picks.get(v)?.()}
        name={props.name}
        aria-label={props.label}
        data-testid={props.testid}
        class={props.class ?? "grid gap-2"}
      >
        {props.children}
      </RadioGroup>
    </Picks.Provider>
  );
}

/** One card of `RadioCards`: a radio drawn in the accent colour, a title and a line of text. */
export function RadioCard(props: {
  value: string;
  onSelect: () => void;
  title: JSX.Element;
  text?: JSX.Element;
  badge?: string;
  /** Shown at the card's right end (e.g. "suggested"). */
  aside?: JSX.Element;
  /** One line, smaller padding (long lists such as models). */
  compact?: boolean;
  testid: string;
}) {
  const picks = useContext(Picks);
  picks?.set(props.value, () => props.onSelect());
  onCleanup(() => picks?.delete(props.value));
  return (
    <RadioGroup.Item value={props.value} class="contents">
      <RadioGroup.ItemLabel
        data-testid={props.testid}
        class={`group flex items-start gap-3 rounded-lg border cursor-pointer transition-colors ${props.compact ? "px-3 py-2 items-center rounded-md" : "p-4"} ${radioFocus} border-line bg-surface hover:bg-surface-2 data-[checked]:border-accent data-[checked]:bg-accent/5`}
      >
        <RadioGroup.ItemInput />
        <RadioGroup.ItemControl
          class={`shrink-0 size-4 rounded-full border-2 border-line bg-surface flex items-center justify-center data-[checked]:border-accent ${props.compact ? "" : "mt-0.5"}`}
        >
          <RadioGroup.ItemIndicator class="size-2 rounded-full bg-accent" />
        </RadioGroup.ItemControl>
        <div class={`min-w-0 ${props.compact ? "flex items-center gap-2 flex-1" : ""}`}>
          <div class={`font-medium flex items-center gap-2 ${props.compact ? "text-[13px]" : "text-[14px]"}`}>
            {props.title}
            <Show when={props.badge}>
              <span class="rounded-full bg-accent/15 text-accent px-2 py-0.5 text-[11px] font-medium">{props.badge}</span>
            </Show>
          </div>
          <Show when={props.text}>
            <div class={props.compact ? "text-[12px] text-muted font-mono" : "text-[13px] text-muted mt-0.5"}>{props.text}</div>
          </Show>
        </div>
        <Show when={props.aside}>
          <span class="ml-auto">{props.aside}</span>
        </Show>
      </RadioGroup.ItemLabel>
    </RadioGroup.Item>
  );
}
