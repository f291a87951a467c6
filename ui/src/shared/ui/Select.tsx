import { Select as K } from "@kobalte/core/select";
import { Show } from "solid-js";
import { Check, ChevronDown } from "./icons";

export type SelectOption = { value: string; label: string; /** A quieter second part (an id). */ hint?: string };

/** A drop-down choice (Kobalte Select: type to find, arrow keys, Escape), in the app's colours. */
export function Select(props: {
  /** Its name for assistive technology. */
  label: string;
  options: readonly SelectOption[];
  value: string;
  onChange: (value: string) => void;
  testid?: string;
  class?: string;
  placeholder?: string;
}) {
  // Kobalte ignores an option whose key is empty ("Agent default" is ""): keys get a prefix.
  type Opt = SelectOption & { key: string };
  const options = (): Opt[] => props.options.map((o) => ({ ...o, key: `o:${o.value}` }));
  const selected = () => options().find((o) => o.value === props.value) ?? null;
  return (
    <K<Opt>
      options={options()}
      optionValue="key"
      optionTextValue="label"
      value={selected()}
      onChange={(o) => o && o.value !== props.value && props.onChange(o.value)}
      placeholder={props.placeholder}
      gutter={4}
      itemComponent={(p) => (
        <K.Item item={p.item} class="flex items-center gap-2 rounded px-2 py-1.5 text-[13px] cursor-default outline-none data-[highlighted]:bg-accent/12">
          <K.ItemLabel class="flex-1 min-w-0 truncate">
            {p.item.rawValue.label}
            <Show when={p.item.rawValue.hint}>
              <span class="ml-2 text-[11px] text-muted font-mono">{p.item.rawValue.hint}</span>
            </Show>
          </K.ItemLabel>
          <K.ItemIndicator>
            <Check size={14} class="text-accent" aria-hidden="true" />
          </K.ItemIndicator>
        </K.Item>
      )}
    >
      <K.Trigger
        aria-label={props.label}
        data-testid={props.testid}
        class={`inline-flex items-center gap-1.5 h-7 rounded-md border border-line bg-surface px-2 text-xs text-fg hover:bg-surface-2 ${props.class ?? ""}`}
      >
        <K.Value<Opt> class="truncate">{(state) => state.selectedOption()?.label}</K.Value>
        <K.Icon class="text-muted shrink-0">
          <ChevronDown size={14} aria-hidden="true" />
        </K.Icon>
      </K.Trigger>
      <K.Portal>
        <K.Content class="z-[70] rounded-md border border-line bg-surface text-fg shadow-lg p-1 min-w-[var(--kb-popper-anchor-width)] max-w-96">
          <K.Listbox class="max-h-72 overflow-auto outline-none" />
        </K.Content>
      </K.Portal>
    </K>
  );
}
