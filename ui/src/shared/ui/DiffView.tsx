import { diffLines } from "diff";
import { For } from "solid-js";

/** Line diff of two texts: removed lines red, added green, unchanged grey (long runs folded). */
export function DiffView(props: { before: string; after: string }) {
  const rows = () => {
    type Row = { kind: "add" | "del" | "same" | "fold"; text: string };
    const out: Row[] = [];
    const push = (kind: Row["kind"], lines: string[]) => {
      for (const text of lines) out.push({ kind, text });
    };
    for (const part of diffLines(props.before, props.after)) {
      const lines = part.value.replace(/\n$/, "").split("\n");
      if (part.added) push("add", lines);
      else if (part.removed) push("del", lines);
      else if (lines.length > 6) {
        push("same", lines.slice(0, 2));
        out.push({ kind: "fold", text: `… ${lines.length - 4} unchanged lines …` });
        push("same", lines.slice(-2));
      } else push("same", lines);
    }
    return out;
  };
  const cls = { add: "bg-ok/12 text-fg", del: "bg-err/12 text-fg", same: "text-muted", fold: "text-muted italic" };
  const sign = { add: "+", del: "−", same: " ", fold: " " };
  return (
    <div class="font-mono text-[12px] leading-5 max-h-[50vh] overflow-auto rounded-md border border-line" data-testid="diff">
      <For each={rows()}>
        {(r) => (
          <div class={`px-3 whitespace-pre-wrap ${cls[r.kind]}`} data-kind={r.kind}>
            <span class="select-none mr-2">{sign[r.kind]}</span>
            {r.text}
          </div>
        )}
      </For>
    </div>
  );
}
