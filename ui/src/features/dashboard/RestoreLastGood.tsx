import { createSignal, Show } from "solid-js";
import { commands, type LastGood_Serialize as LastGood } from "../../bindings";
import { errorText } from "../../shared/lib/format";
import { act } from "../../shared/lib/gateway";
import { Button } from "../../shared/ui/Button";
import { DiffView } from "../../shared/ui/DiffView";
import { FileCode, Undo2 } from "../../shared/ui/icons";
import { Modal } from "../../shared/ui/Modal";

const fileName = (path: string) => path.split(/[\\/]/).pop() ?? path;

/** How the config refers to an environment variable, shown as text. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own `${VAR}` syntax, not a template
const VAR_SYNTAX = "${NAME}";

/** The way back from a config the gateway refuses: look at what the last working copy
 *  changes, restore it, start the gateway again. Or, without such a copy, go fix the file. */
export function RestoreLastGood(props: { onOpenConfig?: () => void; onRestored?: (message: string) => void }) {
  const [loading, setLoading] = createSignal(false);
  const [preview, setPreview] = createSignal<LastGood | null>(null);
  const [none, setNone] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [restoring, setRestoring] = createSignal(false);
  const [restoreError, setRestoreError] = createSignal<string | null>(null);

  const same = () => {
    const p = preview();
    return !!p && p.lastGood === p.current;
  };

  async function look() {
    setError(null);
    setNone(null);
    setLoading(true);
    const r = await commands.configLastGood();
    setLoading(false);
    if (r.status === "error") {
      setError(`The last working config could not be read: ${errorText(r.error)}`);
      return;
    }
    if (r.data.lastGood === null) {
      setNone(r.data.lastGoodPath);
      return;
    }
    setRestoreError(null);
    setPreview(r.data);
  }

  async function restore() {
    setRestoring(true);
    setRestoreError(null);
    const r = await commands.configRestoreLastGood();
    setRestoring(false);
    if (r.status === "error") {
      setRestoreError(errorText(r.error));
      return;
    }
    setPreview(null);
    props.onRestored?.(r.data);
    await act("start");
  }

  return (
    <div class="space-y-3">
      <div class="flex flex-wrap gap-2">
        <Button variant="primary" icon={<Undo2 size={15} />} loading={loading()} onClick={() => void look()} data-testid="restore-offer">
          Restore the last working config
        </Button>
        <Show when={props.onOpenConfig}>
          <Button icon={<FileCode size={15} />} onClick={() => props.onOpenConfig?.()} data-testid="restore-open-config">
            Fix it on the Config page
          </Button>
        </Show>
      </div>
      <Show when={error()}>
        <p role="alert" class="text-[13px] text-err" data-testid="restore-error">
          {error()}
        </p>
      </Show>
      <Show when={none()}>
        {(path) => (
          <div role="status" data-testid="restore-none" class="rounded-md border border-line bg-surface-2/60 p-3 text-[13px] space-y-2">
            <p>
              There is no earlier working config to go back to: no copy of one was kept (
              <span class="font-mono text-[12px] break-all">{fileName(path())}</span> does not exist).
            </p>
            <p class="text-muted">Fix the mistake by hand: the Config page shows the line it is on.</p>
            <Show when={props.onOpenConfig}>
              <Button variant="primary" icon={<FileCode size={15} />} onClick={() => props.onOpenConfig?.()} data-testid="restore-none-open-config">
                Open the Config page
              </Button>
            </Show>
          </div>
        )}
      </Show>

      <Modal
        open={preview() !== null}
        onClose={() => setPreview(null)}
        title="Restore the last working config?"
        wide
        actions={
          <>
            <Button onClick={() => setPreview(null)}>Cancel</Button>
            <Show when={!same()}>
              <Button variant="primary" loading={restoring()} onClick={() => void restore()} data-testid="restore-confirm">
                Restore and start the gateway
              </Button>
            </Show>
          </>
        }
      >
        <Show
          when={!same()}
          fallback={
            <p data-testid="restore-same">
              The last working config is the same text as the current file, so restoring it would change nothing. What broke is
              outside the file: for example an environment variable it uses (<span class="font-mono">{VAR_SYNTAX}</span>) is no
              longer set, or a file it includes changed. The Logs page has the gateway's last lines.
            </p>
          }
        >
          <div class="space-y-3">
            <p>
              <span class="font-mono text-[12px] break-all">{fileName(preview()?.path ?? "tidepool.json")}</span> goes back to the
              last version that worked. Lines marked − are removed, + come back:
            </p>
            <div data-testid="restore-diff">
              <DiffView before={preview()?.current ?? ""} after={preview()?.lastGood ?? ""} />
            </div>
            <p class="text-muted">
              Your current text is not lost: it is kept beside the file as{" "}
              <span class="font-mono text-[12px]">{fileName(preview()?.path ?? "tidepool.json")}.replaced.…</span>
            </p>
          </div>
        </Show>
        <Show when={restoreError()}>
          <p role="alert" class="mt-3 text-err" data-testid="restore-failed">
            Not restored: {restoreError()}
          </p>
        </Show>
      </Modal>
    </div>
  );
}
