import { javascript } from "@codemirror/lang-javascript";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
import { type Diagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { basicSetup, EditorView } from "codemirror";
import { createEffect, onCleanup, onMount } from "solid-js";

/** A fix offered with a marker ("Replace `prot` with `port`"). */
export type MarkerAction = { name: string; run: () => void };

export type Marker = { line: number; column: number; message: string; actions?: MarkerAction[] };

/** What the page can do with the editor. */
export type EditorApi = {
  goto: (line: number) => void;
  /** Makes `edit` as if typed (undo takes it back), selects what it inserted and focuses. */
  edit: (edit: { from: number; to: number; insert: string }) => void;
};

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

/** Syntax colours from the app's CSS variables too: CodeMirror's default style is drawn for a
 *  light page (dark blue keys on a dark background were unreadable). */
const highlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "var(--accent)" },
  { tag: [t.string, t.special(t.string)], color: "var(--ok)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--warn)" },
  { tag: [t.keyword, t.operator], color: "var(--err)" },
  { tag: [t.comment, t.lineComment, t.blockComment], color: "var(--muted)", fontStyle: "italic" },
  { tag: [t.punctuation, t.bracket, t.separator], color: "var(--muted)" },
  { tag: t.invalid, color: "var(--err)", textDecoration: "underline wavy" },
]);

function toDiagnostics(view: EditorView, markers: Marker[]): Diagnostic[] {
  const doc = view.state.doc;
  return markers.map((m) => {
    const line = doc.line(Math.min(Math.max(1, m.line), doc.lines));
    const from = Math.min(line.from + Math.max(0, m.column - 1), line.to);
    return {
      from,
      to: Math.max(from, line.to),
      severity: "error",
      message: m.message,
      actions: m.actions?.map((a) => ({ name: a.name, apply: () => a.run() })),
    };
  });
}

/** A CodeMirror 6 editor for JSON5 with error markers at the gateway's line and column. */
export function CodeEditor(props: {
  value: string;
  onChange: (v: string) => void;
  markers: Marker[];
  onReady?: (api: EditorApi) => void;
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
          syntaxHighlighting(highlight),
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
      edit: (e) => {
        if (!view) return;
        const len = view.state.doc.length;
        const from = Math.min(Math.max(0, e.from), len);
        const to = Math.min(Math.max(from, e.to), len);
        view.dispatch({ changes: { from, to, insert: e.insert }, selection: { anchor: from, head: from + e.insert.length }, scrollIntoView: true, userEvent: "input.quickfix" });
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
