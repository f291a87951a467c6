import { createSignal, Show } from "solid-js";
import { Button } from "../../shared/ui/Button";
import { Plus } from "../../shared/ui/icons";

/** "providers" → "provider", "entries" → "entry". */
export function singular(key: string): string {
  if (key.endsWith("ies")) return `${key.slice(0, -3)}y`;
  if (key.endsWith("s")) return key.slice(0, -1);
  return key;
}

/** Why `name` cannot be a new key of a map that has `existing`, or null when it can. */
export function nameProblem(name: string, existing: string[]): string | null {
  if (name === "") return null;
  if (/\s/.test(name)) return "A name cannot contain spaces.";
  if (name.includes("/")) return "A name cannot contain “/” (model references use it as a separator).";
  if (existing.includes(name)) return `“${name}” already exists.`;
  return null;
}

/** "Add provider": asks for the new entry's name, checks it, and adds it. Nothing is saved
 *  until the page's Review & save. */
export function AddEntry(props: { id: string; noun: string; existing: string[]; onAdd: (name: string) => void }) {
  const [open, setOpen] = createSignal(false);
  const [name, setName] = createSignal("");
  const problem = () => nameProblem(name().trim(), props.existing);
  const ready = () => name().trim() !== "" && !problem();
  const close = () => {
    setName("");
    setOpen(false);
  };
  return (
    <Show
      when={open()}
      fallback={
        <Button variant="ghost" class="mt-1" icon={<Plus size={15} />} data-testid={`${props.id}-add`} onClick={() => setOpen(true)}>
          Add {props.noun}
        </Button>
      }
    >
      <form
        class="mt-2 flex flex-wrap items-start gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready()) return;
          props.onAdd(name().trim());
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
            data-testid={`${props.id}-new-name`}
            aria-label={`Name of the new ${props.noun}`}
            aria-invalid={problem() ? "true" : undefined}
            placeholder={`${props.noun} name`}
            class="w-56 h-8 rounded-md border border-line bg-surface px-2 font-mono text-[13px] aria-[invalid=true]:border-err"
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
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
