import { diffLines } from "diff";
import { For } from "solid-js";

/** Line diff of two texts: removed lines red, added green, unchanged grey (long runs folded). */
export function DiffView(props: { before: string; after: string }) {
  const rows = () => {
    const out: { kind: "add" | "del" | "same" | "fold"; text: string }[] = [];
    for (const part of diffLines(props.before, props.after)) {
      const lines = part.value.replace(/\n$/, "").split("\n");
      if (part.added) lines.forEach((t) => out.push({ kind: "add", text: t }));
      else if (part.removed) lines.forEach((t) => out.push({ kind: "del", text: t }));
      else if (lines.length > 6) {
        lines.slice(0, 2).forEach((t) => out.push({ kind: "same", text: t }));
        out.push({ kind: "fold", text: `… ${lines.length - 4} unchanged lines …` });
        lines.slice(-2).forEach((t) => out.push({ kind: "same", text: t }));
      } else lines.forEach((t) => out.push({ kind: "same", text: t }));
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
