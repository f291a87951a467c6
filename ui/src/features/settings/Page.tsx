import { Monitor, Moon, Sun } from "../../shared/ui/icons";
import { createSignal, For, type JSX, Show } from "solid-js";
import { commands, type Theme } from "../../bindings";
import { Button } from "../../shared/ui/Button";
import { Segmented } from "../../shared/ui/Segmented";
import { errorText } from "../../shared/lib/format";
import { act, isUp, remoteHost, remoteUrl, setStatus, usedHost } from "../../shared/lib/gateway";
import { ConfirmDialog } from "../../shared/ui/ConfirmDialog";
import { rerunSetup } from "../onboarding/store";
import { autostart, info, loadError, saveAutostart, saveSettings, settings } from "./store";
import { PAGES } from "../../shared/ui/Sidebar";
import { Kbd, mod } from "../../shared/ui/Tooltip";
import { toast } from "../../shared/ui/Toast";

function Row(props: { label: string; hint: string; children: JSX.Element; for?: string }) {
  return (
    <div class="flex items-center gap-6 py-4 border-b border-line last:border-0">
      <div class="flex-1 min-w-0">
        <label class="font-medium text-[13px]" for={props.for}>
          {props.label}
        </label>
        <div class="text-[13px] text-muted">{props.hint}</div>
      </div>
      {props.children}
    </div>
  );
}

function Toggle(props: { id: string; checked: boolean; onChange: (v: boolean) => void; label: string }) {
  return (
    <button
      id={props.id}
      type="button"
      role="switch"
      aria-checked={props.checked}
      aria-label={props.label}
      data-testid={props.id}
      onClick={() => props.onChange(!props.checked)}
      class={`relative h-6 w-11 rounded-full border transition-colors ${props.checked ? "bg-accent border-accent" : "bg-surface-2 border-line"}`}
    >
      <span
        class={`absolute top-0.5 left-0.5 size-4.5 rounded-full bg-white shadow transition-transform ${props.checked ? "translate-x-5" : "translate-x-0"}`}
      />
    </button>
  );
}

const THEMES: { id: Theme; label: string; icon: () => JSX.Element }[] = [
  { id: "system", label: "System", icon: () => <Monitor size={15} /> },
  { id: "light", label: "Light", icon: () => <Sun size={15} /> },
  { id: "dark", label: "Dark", icon: () => <Moon size={15} /> },
];

/** Every shortcut the app answers, as the Settings page lists them. */
const SHORTCUTS = () => [
  { what: "Command palette", keys: mod("K") },
  ...PAGES.map((p) => ({ what: `Go to ${p.label}`, keys: mod(p.key) })),
  { what: "Close the window (keeps running in the tray)", keys: mod("W") },
  { what: "Send a message", keys: "Enter" },
  { what: "New line in a message", keys: "Shift+Enter" },
  { what: "Stop the reply being written", keys: "Esc" },
  { what: "Move to the notifications", keys: "F8" },
];

export function Settings() {
  const [error, setError] = createSignal<string | null>(null);
  const [port, setPort] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);
  const [confirmLocal, setConfirmLocal] = createSignal(false);

  async function useLocal() {
    const r = await commands.remoteForget();
    setConfirmLocal(false);
    if (r.status === "ok") setStatus(r.data);
    else setError(errorText(r.error));
  }

  async function update(patch: Partial<NonNullable<ReturnType<typeof settings>>>) {
    const cur = settings();
    if (!cur) return;
    setError(await saveSettings({ ...cur, ...patch }));
  }

  async function savePort() {
    const text = port();
    if (text == null) return;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      setError(`"${text}" is not a port: use a number from 1024 to 65535, or 0 for any free port`);
      return;
    }
    const cur = settings();
    if (!cur) return;
    setSaving(true);
    const e = await saveSettings({ ...cur, port: n });
    setSaving(false);
    setError(e);
    if (e) return;
    setPort(null);
    // The running gateway keeps its port until it restarts: say so, and offer the restart.
    const where = n === 0 ? "any free port" : `port ${n}`;
    if (isUp() && !remoteUrl()) toast.success("Port saved", `The gateway moves to ${where} when it restarts.`, { action: { label: "Restart now", run: () => act("restart") } });
    else toast.success("Port saved", `The gateway uses ${where} the next time it starts.`);
  }

  return (
    <div class="p-6 max-w-3xl space-y-5">
      <Show when={loadError()}>
        <div role="alert" class="rounded-lg border border-err/40 bg-err/10 p-3 text-[13px]">
          Settings could not be loaded: {loadError()}
        </div>
      </Show>
      <Show when={error()}>
        <div role="alert" data-testid="settings-error" class="rounded-lg border border-err/40 bg-err/10 p-3 text-[13px]">
          {error()}
        </div>
      </Show>
      <Show when={settings()} fallback={<div class="tp-skeleton h-64" role="progressbar" aria-busy="true" aria-label="Loading" />}>
        {(s) => (
          <>
            <section class="rounded-lg border border-line bg-surface px-5" data-testid="gateway-choice">
              <Show
                when={remoteUrl()}
                fallback={
                  <Row label="Gateway" hint="Runs on this computer, started and watched by Tidepool.">
                    <Button data-testid="use-remote" onClick={async () => setError(await rerunSetup("remote"))}>
                      Connect to a gateway elsewhere…
                    </Button>
                  </Row>
                }
              >
                {(url) => (
                  <Row
                    label="Gateway"
                    hint={
                      usedHost()
                        ? `Tidepool uses the gateway on ${remoteHost()} through an SSH tunnel; its token is in your system keychain.`
                        : `Tidepool is connected to the gateway at ${url()}; its token is in your system keychain.`
                    }
                  >
                    <div class="flex gap-2">
                      <Button onClick={async () => setError(await rerunSetup("remote"))}>Change…</Button>
                      <Button data-testid="use-local" onClick={() => setConfirmLocal(true)}>
                        Use this computer
                      </Button>
                    </div>
                    <ConfirmDialog
                      open={confirmLocal()}
                      title={`Disconnect from the gateway at ${remoteHost()}?`}
                      confirmLabel="Disconnect and use this computer"
                      tone="primary"
                      testid="use-local-confirm"
                      onCancel={() => setConfirmLocal(false)}
                      onConfirm={useLocal}
                    >
                      <Show
                        when={usedHost()}
                        fallback={
                          <>
                            Tidepool forgets this gateway's token and starts the gateway on this computer. The gateway at {remoteHost()} keeps
                            running; connect to it again any time with its address and token.
                          </>
                        }
                      >
                        Tidepool closes the tunnel and starts the gateway on this computer. The gateway on {remoteHost()} keeps running; switch
                        back to it any time from the gateway menu in the header.
                      </Show>
                    </ConfirmDialog>
                  </Row>
                )}
              </Show>
            </section>
            <section class="rounded-lg border border-line bg-surface px-5">
              <Row label="Theme" hint="Light, dark, or follow your system.">
                <Segmented label="Theme" name="theme" testid="theme" options={THEMES} value={s().theme} onChange={(theme) => update({ theme })} />
              </Row>
              <Row
                label={remoteUrl() ? "Connect when Tidepool opens" : "Start the gateway with Tidepool"}
                hint={remoteUrl() ? "When Tidepool opens, it connects to your gateway." : "When Tidepool opens, it starts your gateway."}
                for="start-on-launch"
              >
                <Toggle id="start-on-launch" label="Start the gateway with Tidepool" checked={s().startOnLaunch} onChange={(v) => update({ startOnLaunch: v })} />
              </Row>
              <Row label="Open Tidepool at login" hint="Tidepool starts in the background when you log in to this computer." for="autostart">
                <Show when={autostart() != null} fallback={<span class="text-[13px] text-muted">Not available here</span>}>
                  <Toggle id="autostart" label="Open Tidepool at login" checked={autostart() === true} onChange={async (v) => setError(await saveAutostart(v))} />
                </Show>
              </Row>
              <Row label="Keep running in the tray" hint="Closing the window (or Ctrl+W) keeps Tidepool and the gateway running; quit from the tray menu." for="close-to-tray">
                <Toggle id="close-to-tray" label="Keep running in the tray" checked={s().closeToTray} onChange={(v) => update({ closeToTray: v })} />
              </Row>
              <Row label="Bring Tidepool forward for approvals" hint="When an agent wants to run a command that needs your approval, the window opens on the prompt (a notification is always shown)." for="approval-popup">
                <Toggle id="approval-popup" label="Bring Tidepool forward for approvals" checked={s().approvalPopup} onChange={(v) => update({ approvalPopup: v })} />
              </Row>
              <Row label="First-run setup" hint="Pick another provider, model, folder or safety level, or import from OpenClaw. Your conversations stay.">
                <Button data-testid="rerun-setup" onClick={async () => setError(await rerunSetup())}>
                  Run setup again
                </Button>
              </Row>
              <Row label="Gateway port" hint="For the gateway on this computer; applies the next time it starts. 0 picks any free port." for="port">
                <div class="flex items-center gap-2">
                  <input
                    id="port"
                    data-testid="port"
                    inputmode="numeric"
                    class="w-24 h-8 rounded-md border border-line bg-surface px-2 font-mono text-[13px]"
                    value={port() ?? String(s().port)}
                    onInput={(e) => setPort(e.currentTarget.value)}
                    onKeyDown={(e) => e.key === "Enter" && savePort()}
                  />
                  <Button disabled={port() == null} loading={saving()} onClick={savePort}>
                    Save
                  </Button>
                </div>
              </Row>
            </section>
            <section class="rounded-lg border border-line bg-surface p-5 text-[13px]" data-testid="shortcuts">
              <h2 class="font-semibold mb-3">Keyboard shortcuts</h2>
              <dl class="grid grid-cols-[1fr_auto] gap-x-6 gap-y-2 sm:grid-cols-[1fr_auto_1fr_auto]">
                <For each={SHORTCUTS()}>
                  {(k) => (
                    <>
                      <dt class="text-muted">{k.what}</dt>
                      <dd class="justify-self-end">
                        <Kbd>{k.keys}</Kbd>
                      </dd>
                    </>
                  )}
                </For>
              </dl>
            </section>
            <section class="rounded-lg border border-line bg-surface p-5 text-[13px] space-y-1.5">
              <h2 class="font-semibold mb-2">About</h2>
              <div>
                <span class="text-muted">Version </span>
                {info()?.version ?? "…"}
              </div>
              <div class="flex items-center gap-3">
                <span class="text-muted">Gateway data </span>
                <span class="font-mono min-w-0 truncate">{info()?.stateDir ?? "…"}</span>
                <Button
                  class="ml-auto"
                  data-testid="reveal-data"
                  onClick={async () => {
                    const r = await commands.appRevealDataFolder();
                    if (r.status === "error") toast.error("Could not show the folder", errorText(r.error));
                  }}
                >
                  Show in file manager
                </Button>
              </div>
              <div>
                <span class="text-muted">Gateway token </span>
                {info()?.tokenHome === "keychain" ? "in the system keychain" : "in the gateway's own file (no keychain found)"}
              </div>
              <div class="pt-3">
                <Button variant="danger" data-testid="quit" onClick={() => void commands.appQuit()}>
                  Quit Tidepool
                </Button>
                <span class="ml-3 text-muted">Stops the gateway and closes the app.</span>
              </div>
            </section>
          </>
        )}
      </Show>
    </div>
  );
}
