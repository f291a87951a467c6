import JSON5 from "json5";
import { createEffect, createMemo, createSignal, lazy, on, onCleanup, onMount, Show, Suspense } from "solid-js";
import { settingRequest, takeSettingRequest } from "../../shared/lib/settings";
import { commands, type ConfigDoc_Serialize as ConfigDoc, events, type SaveOutcome } from "../../bindings";
import { Button } from "../../shared/ui/Button";
import type { EditorApi, Marker } from "./CodeEditor";

// CodeMirror loads the first time Raw opens: most visits stay in the form, and the editor is
// most of this page's weight.
const CodeEditor = lazy(() => import("./CodeEditor").then((m) => ({ default: m.CodeEditor })));
import { applyEdit, fixEdit, suggestion } from "./quickfix";
import { ChangeSummary } from "./ChangeSummary";
import { ConfigForm, type FormApi, label as keyLabel, isUpdate, type SchemaNode } from "./ConfigForm";
import { getIn } from "./schema";
import { DiffView } from "../../shared/ui/DiffView";
import { RotateCw } from "../../shared/ui/icons";
import { Modal } from "../../shared/ui/Modal";
import { ConfirmDialog } from "../../shared/ui/ConfirmDialog";
import { UnsupportedNotice } from "./UnsupportedNotice";
import { errorText } from "../../shared/lib/format";
import { configCause, type Presented, presentError } from "../../shared/lib/errors";
import { ErrorNotice } from "../../shared/ui/ErrorNotice";
import { toast } from "../../shared/ui/Toast";
import { TipText } from "../../shared/ui/Tooltip";
import { act, busy, isUp, status } from "../../shared/lib/gateway";

type Saved = Extract<SaveOutcome, { outcome: "saved" }>;

/** A validation error at a place in the text. */
type Problem = { line: number; column: number; message: string };

/** `["gateway", "auth", "mode"]` → "Gateway › Auth › Mode". */
const label = (path: string[]) => path.map(keyLabel).join(" › ");

/** The gateway's config file: a JSON5 editor with the gateway's own validation, a diff before
 *  every save, conflicts detected by hash, and a way back to the last good file. */
export function Config() {
  const [doc, setDoc] = createSignal<ConfigDoc | null>(null);
  const [text, setText] = createSignal("");
  const [loadError, setLoadError] = createSignal<Presented | null>(null);
  const [markers, setMarkers] = createSignal<Marker[]>([]);
  const [reviewing, setReviewing] = createSignal(false);
  const [saving, setSaving] = createSignal(false);
  const [saved, setSaved] = createSignal<Saved | null>(null);
  const [conflict, setConflict] = createSignal<string | null>(null);
  const [refused, setRefused] = createSignal<string | null>(null);
  const [confirmRestore, setConfirmRestore] = createSignal(false);
  const [confirmDiscard, setConfirmDiscard] = createSignal(false);
  const [tab, setTab] = createSignal<"form" | "raw">("form");
  // Once Raw has been opened its editor stays (hidden under the form), keeping its undo history.
  const rawOpened = createMemo<boolean>((was) => was || tab() === "raw", false);
  const [schema, setSchema] = createSignal<SchemaNode | null>(null);
  let editor: EditorApi | undefined;
  // A line to show once the editor has loaded (Raw opened to show an error).
  let pendingLine: number | null = null;
  const gotoLine = (line: number) => {
    if (editor) editor.goto(line);
    else pendingLine = line;
  };
  /** Where the gateway's refusal points, when it does (a validation error). */
  const [refusedAt, setRefusedAt] = createSignal<Problem | null>(null);
  let form: FormApi | undefined;

  /** The text as an object for the form; null while the text does not parse. */
  const parsed = createMemo<Record<string, unknown> | null>(() => {
    try {
      const v = JSON5.parse(text().trim() === "" ? "{}" : text());
      return v && typeof v === "object" && !Array.isArray(v) ? v : null;
    } catch {
      return null;
    }
  });
  const [formError, setFormError] = createSignal<string | null>(null);

  // Whether saving goes through a running gateway follows the gateway while the page is open
  // (the file's text stays as it is); a "Saved to the file" note goes once the gateway runs.
  createEffect(
    on(
      isUp,
      (up) => {
        setDoc((d) => (d && d.live !== up ? { ...d, live: up } : d));
        if (up && saved() && !saved()?.live) setSaved(null);
      },
      { defer: true },
    ),
  );

  /** Secrets go to the gateway's store; the form then holds only the reference. */
  async function storeSecret(name: string, value: string): Promise<string | null> {
    const r = await commands.configStoreSecret(name, value);
    return r.status === "ok" ? null : errorText(r.error);
  }

  /** A form change edits the text in place (the app's core keeps comments and layout); the raw
   *  view shows it and Review & save works as usual. Edits run one after another, each on the
   *  text the previous one left. */
  let edits: Promise<void> = Promise.resolve();
  function setField(path: string[], change: unknown) {
    edits = edits.then(async () => {
      // A list's update is made on the list as the text holds it now.
      const value = isUpdate(change) ? change(getIn(parsed(), path)) : change;
      const r = await commands.configEdit(text(), path, value === undefined ? null : JSON.stringify(value));
      if (r.status === "ok") {
        setFormError(null);
        onEdit(r.data);
      } else setFormError(`${label(path)}: ${errorText(r.error)}`);
    });
  }

  const dirty = () => {
    const d = doc();
    return d !== null && text() !== d.raw;
  };
  const running = () => status()?.state.kind === "running";
  /** OpenClaw settings in the file that Tidepool does not use. */
  const unsupported = () => doc()?.unsupported ?? [];
  const formUnavailable = (why: string) => (
    <div class="rounded-lg border border-line bg-surface p-5 text-[13px] text-muted" data-testid="form-unavailable">
      {why}
    </div>
  );

  async function load(keepText = false) {
    setLoadError(null);
    const r = await commands.configLoad();
    if (r.status === "error") {
      setLoadError(presentError(r.error, { title: "The config could not be read" }));
      return;
    }
    setDoc(r.data);
    if (!keepText) setText(r.data.raw);
    const p = r.data.problem;
    setMarkers(p ? [marker(p)] : []);
  }

  onMount(() => {
    // Another editor, the CLI or another client changed the file.
    let unlisten: (() => void) | undefined;
    let gone = false;
    onCleanup(() => {
      gone = true;
      unlisten?.();
    });
    void events.gatewayConfigChanged
      .listen((e) => {
        const d = doc();
        if (!d || e.payload.hash === d.hash) return;
        if (dirty()) setConflict("The file changed while you were editing (another editor or the CLI).");
        else {
          void load();
          toast.info(`The file changed outside this page and was reloaded${e.payload.changed.length ? `: ${e.payload.changed.join(", ")}` : ""}.`);
        }
      })
      .then((u) => {
        if (gone) u();
        else unlisten = u;
      });
    void load();
    void commands.configSchema().then((r) => {
      if (r.status === "ok") setSchema(JSON.parse(r.data) as SchemaNode);
    });
  });

  // "Jump to a setting" (the command palette): the form, scrolled to the setting, focused.
  createEffect(() => {
    const r = settingRequest();
    if (!r || !schema() || !parsed()) return;
    takeSettingRequest();
    setTab("form");
    let tries = 0;
    const find = () => {
      if (!form?.reveal(r.path) && ++tries < 30) requestAnimationFrame(find);
    };
    requestAnimationFrame(find);
  });

  /** Typing makes old error markers and messages stale: they go until the next save. */
  function onEdit(v: string) {
    setText(v);
    if (markers().length) setMarkers([]);
    if (refused()) setRefused(null);
    if (refusedAt()) setRefusedAt(null);
    if (saved()) setSaved(null);
  }

  async function save() {
    const d = doc();
    if (!d) return;
    setSaving(true);
    setRefused(null);
    setRefusedAt(null);
    const r = await commands.configSave(text(), d.hash);
    setSaving(false);
    setReviewing(false);
    if (r.status === "error") {
      setRefused("message" in r.error ? r.error.message : "cancelled");
      return;
    }
    const o = r.data;
    switch (o.outcome) {
      case "saved":
        // Nothing left to do: a toast says so; a restart to make or a gateway to start stays on the page.
        if (o.live && o.restartRequired.length === 0) {
          setSaved(null);
          toast.success("Saved and applied by the running gateway", null, { testid: "config-saved" });
        } else setSaved(o);
        setConflict(null);
        setMarkers([]);
        setDoc({ ...d, raw: text(), hash: o.hash, exists: true, problem: null });
        break;
      case "invalid":
        setMarkers([marker(o.problem)]);
        setRefused(o.problem.message);
        setRefusedAt(o.problem);
        setTab("raw");
        gotoLine(o.problem.line);
        break;
      case "conflict":
        setConflict("The file changed since you opened it.");
        break;
      case "refused":
        setRefused(o.message);
        break;
    }
  }

  /** The gateway's "did you mean" as a one-click edit of the text: the key (or value) where
   *  the error points, renamed; null when the message has no suggestion or the text there
   *  changed. */
  function quickFix(p: Problem): { from: string; to: string; run: () => void } | null {
    const s = suggestion(p.message);
    if (!s || !fixEdit(text(), s, p.line, p.column)) return null;
    return {
      from: s.from,
      to: s.to,
      run: () => {
        const e = fixEdit(text(), s, p.line, p.column);
        if (!e) return;
        setTab("raw");
        // Through the editor, so that undo takes it back; the text follows from its change.
        if (editor) editor.edit(e);
        else onEdit(applyEdit(text(), e));
        toast.info(`Replaced “${s.from}” with “${s.to}” on line ${p.line}. Review & save when you are ready.`, null, { testid: "config-quickfixed" });
      },
    };
  }

  /** The quick fix for the refusal on screen, if any. */
  const refusedFix = () => {
    const at = refusedAt();
    return at ? quickFix(at) : null;
  };

  /** An error marker in the editor, with the quick fix when there is one. */
  function marker(p: Problem): Marker {
    const fix = quickFix(p);
    return { line: p.line, column: p.column, message: p.message, actions: fix ? [{ name: `Replace ${fix.from} with ${fix.to}`, run: fix.run }] : undefined };
  }

  /** The button that makes a quick fix: "Replace `prot` with `port`". */
  const fixButton = (p: Problem | null) => {
    const fix = p ? quickFix(p) : null;
    return (
      <Show when={fix}>
        {(f) => (
          <Button variant="primary" data-testid="config-quickfix" onClick={() => f().run()}>
            Replace <code class="font-mono text-[12px]">{f().from}</code> with <code class="font-mono text-[12px]">{f().to}</code>
          </Button>
        )}
      </Show>
    );
  };

  /** Back to the saved text, with Undo in a toast. */
  function revert() {
    const mine = text();
    setText(doc()?.raw ?? "");
    toast.info("Your changes were reverted", null, { action: { label: "Undo", run: () => onEdit(mine) } });
  }

  async function restore() {
    setConfirmRestore(false);
    const r = await commands.configRestoreLastGood();
    if (r.status === "error") setRefused("message" in r.error ? r.error.message : "cancelled");
    else {
      toast.success("The last good config is back", r.data);
      await load();
    }
  }

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: not a control: Ctrl/Cmd+S for the whole page, caught as it bubbles up from the editor and the form
    <div class="flex flex-col h-full" onKeyDown={(e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "s") {
        e.preventDefault();
        if (dirty()) setReviewing(true);
      }
    }}>
      <div class="flex flex-wrap items-center gap-2 px-6 py-3 border-b border-line bg-surface">
        <TipText tip={doc()?.path ?? ""} class="font-mono text-[12px] text-muted truncate max-w-md rounded">{doc()?.path ?? "…"}</TipText>
        <Show when={doc()}>
          {(d) => (
            <TipText
              data-testid="config-mode"
              class={`rounded-full border px-2 h-6 inline-flex items-center text-xs font-semibold ${d().live ? "text-ok border-ok/30 bg-ok/10" : "text-warn border-warn/30 bg-warn/10"}`}
              tip={d().live ? "Saved through the running gateway, which reloads it" : "The gateway is not running: saved to the file"}
            >
              {d().live ? "Live" : "File only"}
            </TipText>
          )}
        </Show>
        <div role="tablist" aria-label="View" class="ml-3 inline-flex rounded-md border border-line p-0.5 bg-surface-2">
          <button type="button" role="tab" data-testid="tab-form" aria-selected={tab() === "form"} onClick={() => setTab("form")}
            class={`px-3 h-7 rounded text-[13px] ${tab() === "form" ? "bg-surface shadow-sm" : "text-muted"}`}>Form</button>
          <button type="button" role="tab" data-testid="tab-raw" aria-selected={tab() === "raw"} onClick={() => setTab("raw")}
            class={`px-3 h-7 rounded text-[13px] ${tab() === "raw" ? "bg-surface shadow-sm" : "text-muted"}`}>Raw</button>
        </div>
        <div class="ml-auto flex gap-2">
          <Button variant="ghost" icon={<RotateCw size={15} />} onClick={() => void load()}>
            Reload
          </Button>
          <Button disabled={!dirty()} onClick={revert} tooltip="Back to the file as saved; Undo brings your edits back">
            Revert
          </Button>
          <Button variant="primary" data-testid="config-review" disabled={!dirty()} onClick={() => setReviewing(true)}>
            Review & save
          </Button>
        </div>
      </div>

      <Show when={loadError()}>
        {(e) => (
          <ErrorNotice class="m-4" testid="config-load-error" error={e()}>
            <Button onClick={() => void load()}>Try again</Button>
          </ErrorNotice>
        )}
      </Show>
      <Show when={!dirty() && doc()?.problem}>
        {(problem) => (
          <ErrorNotice
            class="mx-4 mt-4"
            testid="config-problem"
            title="The config file has a mistake, so the gateway cannot use it"
            cause={configCause(problem().message) ?? presentError(problem().message).cause}
            action="Fix it in the Raw view, or go back to the last version that worked."
            details={problem().message}
          >
            {fixButton(problem())}
            <Button onClick={() => { setTab("raw"); gotoLine(problem().line); }}>Go to line {problem().line}</Button>
            <Button variant="danger" data-testid="config-restore" onClick={() => setConfirmRestore(true)}>
              Restore last good
            </Button>
          </ErrorNotice>
        )}
      </Show>
      <Show when={refused()}>
        {/* The gateway's words stay visible as they are: they name the setting and the fix in the file's own terms. */}
        {(r) => (
          <ErrorNotice
            class="mx-4 mt-4"
            testid="config-refused"
            title="Not saved: the gateway refused the file"
            cause={<span class="font-mono text-[12.5px]">{r()}</span>}
            action={refusedFix() ? "Take its suggestion, or correct the text; then Review & save again." : "Correct the text, then Review & save again."}
          >
            {fixButton(refusedAt())}
          </ErrorNotice>
        )}
      </Show>
      <Show when={conflict()}>
        <ErrorNotice class="mx-4 mt-4" tone="warn" testid="config-conflict" title="The file changed while you were editing" cause={`${conflict()} Your text is still here.`}>
          <Button onClick={async () => { await load(true); setConflict(null); setReviewing(true); }}>
            Compare with the new file
          </Button>
          <Button variant="ghost" onClick={() => setConfirmDiscard(true)}>
            Discard mine
          </Button>
        </ErrorNotice>
      </Show>
      <Show when={saved()}>
        {(s) => (
          <div role="status" data-testid="config-saved" class="mx-4 mt-4 flex flex-wrap items-center gap-3 rounded-lg border border-ok/40 bg-ok/10 p-3 text-[13px]">
            <span class="flex-1">
              {s().live
                ? s().restartRequired.length
                  ? "Saved and reloaded by the gateway."
                  : "Saved and applied by the running gateway."
                : "Saved to the file."}
              <Show when={s().restartRequired.length > 0}>
                {" "}Takes effect after a restart: <span class="font-mono">{s().restartRequired.join(", ")}</span>.
              </Show>
            </span>
            <Show when={s().restartRequired.length > 0 && running()}>
              <Button variant="primary" loading={busy() === "restart"} onClick={() => act("restart")}>
                Restart gateway
              </Button>
            </Show>
            <Show when={!running()}>
              <Button variant="primary" loading={busy() === "start"} onClick={() => act("start")}>
                Start gateway
              </Button>
            </Show>
          </div>
        )}
      </Show>
      <Show when={unsupported().length > 0}>
        <div class="mx-4 mt-4">
          <UnsupportedNotice paths={unsupported()} />
        </div>
      </Show>

      <Show when={tab() === "form" && doc()}>
        <div class="flex-1 min-h-0 flex flex-col px-4 pt-4">
          {/* Two levels, so that typing (a new parse) does not count as a new schema. */}
          <Show when={schema()} fallback={formUnavailable("Loading the settings…")}>
            {(s) => (
              <Show when={parsed()} fallback={formUnavailable("The text has a syntax error, so the form cannot show it. Fix it in the Raw view.")}>
                {(value) => (
                  <>
                    <Show when={formError()}>
                      {(f) => <ErrorNotice class="mb-3" testid="form-error" title="Not changed" cause={f()} />}
                    </Show>
                    <div class="flex-1 min-h-0">
                      <ConfigForm schema={s()} value={value()} onChange={setField} onStoreSecret={storeSecret} onReady={(api) => (form = api)} />
                    </div>
                  </>
                )}
              </Show>
            )}
          </Show>
        </div>
      </Show>
      <div class={`flex-1 min-h-0 m-4 rounded-lg border border-line overflow-hidden ${tab() === "raw" || !doc() ? "" : "hidden"}`}>
        <Show when={doc()} fallback={<div class="tp-skeleton h-full" role="progressbar" aria-busy="true" aria-label="Loading" />}>
          {/* Nothing stands in for the editor until Raw first opens: its box is hidden till then. */}
          <Show when={rawOpened()}>
          <Suspense fallback={<div class="tp-skeleton h-full" role="progressbar" aria-busy="true" aria-label="Loading the editor" />}>
            <CodeEditor
              value={text()}
              onChange={onEdit}
              markers={markers()}
              onReady={(api) => {
                editor = api;
                if (pendingLine != null) api.goto(pendingLine);
                pendingLine = null;
              }}
            />
          </Suspense>
          </Show>
        </Show>
      </div>

      <Modal
        open={reviewing()}
        onClose={() => setReviewing(false)}
        title="Review your changes"
        wide
        actions={
          <>
            <Button onClick={() => setReviewing(false)}>Cancel</Button>
            <Button variant="primary" data-testid="config-save" loading={saving()} onClick={save}>
              Save
            </Button>
          </>
        }
      >
        <ChangeSummary before={doc()?.raw ?? ""} after={text()} />
        <DiffView before={doc()?.raw ?? ""} after={text()} />
      </Modal>
      <ConfirmDialog
        open={confirmDiscard()}
        title={`Discard your changes to ${doc()?.path.split(/[\\/]/).pop() ?? "the config"}?`}
        confirmLabel="Discard mine"
        testid="config-discard-confirm"
        onCancel={() => setConfirmDiscard(false)}
        onConfirm={async () => {
          await load();
          setConflict(null);
          setConfirmDiscard(false);
        }}
      >
        Your edits are replaced by the file as it is now. They cannot be brought back.
      </ConfirmDialog>
      <Modal
        open={confirmRestore()}
        onClose={() => setConfirmRestore(false)}
        title="Restore the last good config?"
        actions={
          <>
            <Button onClick={() => setConfirmRestore(false)}>Cancel</Button>
            <Button variant="danger" data-testid="config-restore-confirm" onClick={restore}>
              Restore tidepool.json.last-good
            </Button>
          </>
        }
      >
        The current file is replaced by the last one that was valid. The current text is kept beside it
        (tidepool.json.replaced.…), so nothing is lost.
      </Modal>
    </div>
  );
}
