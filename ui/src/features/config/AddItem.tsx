import { createSignal, Show } from "solid-js";
import { Button } from "../../shared/ui/Button";
import { Plus } from "../../shared/ui/icons";

/** Why `value` cannot be the required field of a new list item, or null when it can. */
export function itemProblem(value: string, field: string, existing: string[]): string | null {
  if (value === "") return null;
  if (field === "id" && existing.includes(value)) return `“${value}” is already in the list.`;
  return null;
}

/**
 * "Add model": a new item at the end of a list of objects. An item with a required field (a
 * model's id, a rule's pattern) asks for it first, so that the list never holds an item the
 * gateway would refuse; one without is added empty, its fields ready to fill in. Nothing is
 * saved until the page's Review & save.
 */
export function AddItem(props: {
  id: string;
  noun: string;
  /** The required field asked for first (its key and its label), if any. */
  field?: { key: string; label: string };
  /** That field's values in the items already there (an id must be new). */
  existing: string[];
  onAdd: (item: Record<string, unknown>) => void;
}) {
  const [open, setOpen] = createSignal(false);
  const [value, setValue] = createSignal("");
  const problem = () => (props.field ? itemProblem(value().trim(), props.field.key, props.existing) : null);
  const ready = () => value().trim() !== "" && !problem();
  const close = () => {
    setValue("");
    setOpen(false);
  };
  return (
    <Show
      when={open()}
      fallback={
        <Button
          variant="ghost"
          class="mt-1"
          icon={<Plus size={15} />}
          data-testid={`${props.id}-add`}
          onClick={() => {
            const f = props.field;
            if (f) setOpen(true);
            else props.onAdd({});
          }}
        >
          Add {props.noun}
        </Button>
      }
    >
      <form
        class="mt-2 flex flex-wrap items-start gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          const f = props.field;
          if (!ready() || !f) return;
          props.onAdd({ [f.key]: value().trim() });
          close();
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.stopPropagation();
            close();
          }
        }}
      >
        <div class="flex flex-col gap-1">
          <input
            ref={(el) => queueMicrotask(() => el.focus())}
            data-testid={`${props.id}-new-value`}
            aria-label={`${props.field?.label ?? "Name"} of the new ${props.noun}`}
            aria-invalid={problem() ? "true" : undefined}
            placeholder={`${props.noun} ${props.field?.label.toLowerCase() ?? ""}`.trim()}
            class="w-72 h-8 rounded-md border border-line bg-surface px-2 font-mono text-[13px] aria-[invalid=true]:border-err"
            value={value()}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
          <Show when={problem()}>
            <span role="alert" class="text-[12px] text-err" data-testid={`${props.id}-new-problem`}>
              {problem()}
            </span>
          </Show>
        </div>
        <Button type="submit" variant="primary" disabled={!ready()} data-testid={`${props.id}-new-add`}>
          Add
        </Button>
        <Button onClick={close}>Cancel</Button>
      </form>
    </Show>
  );
}
