import { javascript } from "@codemirror/lang-javascript";
import { type Diagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { basicSetup, EditorView } from "codemirror";
import { createEffect, onCleanup, onMount } from "solid-js";

export type Marker = { line: number; column: number; message: string };

/** Colours come from the app's CSS variables, so light and dark follow the theme. */
const theme = EditorView.theme({
  "&": { backgroundColor: "var(--surface)", color: "var(--text)", height: "100%", fontSize: "12.5px" },
  ".cm-content": { fontFamily: "var(--font-mono)", caretColor: "var(--accent)" },
  ".cm-gutters": { backgroundColor: "var(--surface-2)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "color-mix(in srgb, var(--accent) 7%, transparent)" },
  ".cm-activeLineGutter": { backgroundColor: "color-mix(in srgb, var(--accent) 12%, transparent)" },
  "&.cm-focused": { outline: "none" },
  ".cm-selectionBackground, &.cm-focused .cm-selectionBackground": {
    backgroundColor: "color-mix(in srgb, var(--accent) 25%, transparent) !important",
  },
});

function toDiagnostics(view: EditorView, markers: Marker[]): Diagnostic[] {
  const doc = view.state.doc;
  return markers.map((m) => {
    const line = doc.line(Math.min(Math.max(1, m.line), doc.lines));
    const from = Math.min(line.from + Math.max(0, m.column - 1), line.to);
    return { from, to: Math.max(from, line.to), severity: "error", message: m.message };
  });
}

/** A CodeMirror 6 editor for JSON5 with error markers at the gateway's line and column. */
export function CodeEditor(props: {
  value: string;
  onChange: (v: string) => void;
  markers: Marker[];
  onReady?: (api: { goto: (line: number) => void }) => void;
}) {
  let host!: HTMLDivElement;
  let view: EditorView | undefined;

  onMount(() => {
    view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          basicSetup,
          javascript(),
          lintGutter(),
          theme,
          EditorView.lineWrapping,
          EditorView.updateListener.of((u) => {
            if (u.docChanged) props.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    props.onReady?.({
      goto: (line) => {
        if (!view) return;
        const l = view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines));
        view.dispatch({ selection: { anchor: l.from }, scrollIntoView: true });
        view.focus();
      },
    });
    onCleanup(() => view?.destroy());
  });

  // Outside changes (reload, revert) replace the text; typing does not come back here.
  createEffect(() => {
    const v = props.value;
    if (view && v !== view.state.doc.toString()) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: v } });
    }
  });

  createEffect(() => {
    const m = props.markers;
    if (view) view.dispatch(setDiagnostics(view.state, toDiagnostics(view, m)));
  });

  return <div ref={host} class="h-full min-h-0 overflow-hidden" data-testid="code-editor" />;
}
