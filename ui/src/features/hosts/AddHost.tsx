import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import { commands, type AppError, type HostCheck } from "../../bindings";
import { presentError } from "../../shared/lib/errors";
import { Button } from "../../shared/ui/Button";
import { ErrorNotice } from "../../shared/ui/ErrorNotice";
import { Modal } from "../../shared/ui/Modal";
import { toast } from "../../shared/ui/Toast";
import { KeyRound } from "../../shared/ui/icons";
import { putHost } from "./store";

const input = "w-full h-9 rounded-md border border-line bg-bg px-3 text-[13px] focus:outline-none focus:ring-2 focus:ring-accent/40";

/** Add a host in two steps: the address (and how to log in), then its key to trust. */
export function AddHost(props: { open: boolean; onClose: () => void }) {
  const [address, setAddress] = createSignal("");
  const [name, setName] = createSignal("");
  const [keyFile, setKeyFile] = createSignal("");
  // A user with only a password: it is typed once, and the app installs a key of its own.
  const [usePassword, setUsePassword] = createSignal(false);
  const [password, setPassword] = createSignal("");
  const [check, setCheck] = createSignal<HostCheck | null>(null);
  const [error, setError] = createSignal<AppError | null>(null);
  const [busy, setBusy] = createSignal(false);
  // The named hosts of ~/.ssh/config, read when the dialog opens.
  const [configHosts] = createResource(
    () => props.open || null,
    async () => {
      const list = await commands.hostsFromSshConfig().catch(() => []);
      return Array.isArray(list) ? list : [];
    },
  );

  const reset = () => {
    setCheck(null);
    setError(null);
  };
  const close = () => {
    setAddress("");
    setName("");
    setKeyFile("");
    setPassword("");
    setUsePassword(false);
    reset();
    props.onClose();
  };
  const offered = () => (check()?.trust.kind === "unknown" ? check()?.key : null);

  const doCheck = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    const r = await commands.hostsCheck(address());
    setBusy(false);
    if (r.status === "ok") setCheck(r.data);
    else setError(r.error);
  };

  const doAdd = async () => {
    const c = check();
    if (!c || c.trust.kind === "changed") return;
    setBusy(true);
    setError(null);
    // The key is scanned again on the Rust side and must still be the one shown here.
    const r = usePassword()
      ? await commands.hostsAddWithPassword(address(), name() || null, password(), c.key.fingerprint)
      : await commands.hostsAdd(address(), name() || null, keyFile() || null, c.key.fingerprint);
    setBusy(false);
    // The password is not kept here either, whatever happened.
    setPassword("");
    if (r.status === "ok") {
      putHost(r.data);
      toast.success(`Added ${r.data.name}`, `${r.data.facts?.os ?? ""} ${r.data.facts?.arch ?? ""}`.trim() || null);
      close();
    } else {
      setError(r.error);
    }
  };

  return (
    <Modal
      open={props.open}
      onClose={close}
      title={check() ? "Trust this host?" : "Add a host"}
      actions={
        <Show
          when={check()}
          fallback={
            <>
              <Button variant="ghost" onClick={close}>
                Cancel
              </Button>
              <Button variant="primary" loading={busy()} disabled={!address().trim()} data-testid="host-check" onClick={() => void doCheck()}>
                Check host
              </Button>
            </>
          }
        >
          <Button variant="ghost" onClick={reset}>
            Back
          </Button>
          <Show when={check()?.trust.kind !== "changed"}>
            <Button variant="primary" loading={busy()} data-testid="host-trust" onClick={() => void doAdd()}>
              {check()?.trust.kind === "trusted" ? "Add host" : "Trust and add"}
            </Button>
          </Show>
        </Show>
      }
    >
      <Show
        when={check()}
        fallback={
          <form class="space-y-3" onSubmit={(e) => void doCheck(e)}>
            <Show when={(configHosts()?.length ?? 0) > 0}>
              <div class="space-y-1" data-testid="ssh-config-hosts">
                <span class="font-medium">From your ~/.ssh/config</span>
                <div class="flex flex-wrap gap-1.5">
                  <For each={configHosts()}>
                    {(h) => (
                      <button
                        type="button"
                        data-testid="ssh-config-host"
                        class={`rounded-full border px-2.5 h-7 text-xs ${address() === h.alias ? "border-accent bg-accent/12 text-accent" : "border-line hover:bg-surface-2"}`}
                        onClick={() => {
                          setAddress(h.alias);
                          if (!name()) setName(h.alias);
                        }}
                      >
                        <span class="font-medium">{h.alias}</span>
                        <span class="text-muted">
                          {" "}
                          {`${h.user ? `${h.user}@` : ""}${h.hostname}${h.port !== 22 ? `:${h.port}` : ""}${h.proxyJump ? ` via ${h.proxyJump}` : ""}`}
                        </span>
                      </button>
                    )}
                  </For>
                </div>
              </div>
            </Show>
            <label class="block space-y-1">
              <span class="font-medium">Address</span>
              <input
                class={input}
                data-testid="host-address"
                placeholder="user@server.example.com:22, or a name from ~/.ssh/config"
                value={address()}
                onInput={(e) => setAddress(e.currentTarget.value)}
                autocomplete="off"
                spellcheck={false}
              />
            </label>
            <label class="block space-y-1">
              <span class="font-medium">Name</span> <span class="text-muted">(optional)</span>
              <input class={input} data-testid="host-name" placeholder="e.g. Home server" value={name()} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <Show
              when={usePassword()}
              fallback={
                <label class="block space-y-1">
                  <span class="font-medium">Key file</span> <span class="text-muted">(optional)</span>
                  <input
                    class={input}
                    data-testid="host-key"
                    placeholder="~/.ssh/id_ed25519 — else your SSH agent and ~/.ssh/config"
                    value={keyFile()}
                    onInput={(e) => setKeyFile(e.currentTarget.value)}
                    spellcheck={false}
                  />
                </label>
              }
            >
              <label class="block space-y-1">
                <span class="font-medium">Password</span>
                <input
                  class={input}
                  type="password"
                  data-testid="host-password"
                  autocomplete="off"
                  value={password()}
                  onInput={(e) => setPassword(e.currentTarget.value)}
                />
                <span class="block text-xs text-muted">
                  Used once: Tidepool creates a key of its own, adds it to the account's authorized keys and signs in with it from then on. The
                  password is not stored.
                </span>
              </label>
            </Show>
            <button
              type="button"
              class="text-xs text-accent hover:underline"
              data-testid="host-use-password"
              onClick={() => setUsePassword(!usePassword())}
            >
              {usePassword() ? "Use a key or my SSH agent instead" : "I only have a password"}
            </button>
            <p class="text-xs text-muted">Tidepool uses your system's ssh, so aliases, ProxyJump and your agent work as in a terminal.</p>
          </form>
        }
      >
        {(c) => (
          <Switch>
            <Match when={c().trust.kind === "changed"}>
              <ErrorNotice
                testid="host-key-changed"
                title="This host's key has changed"
                cause={`${c().spec.host} offers a different key than the one you trusted. Someone may be intercepting the connection, or the server was reinstalled.`}
                action="Tidepool will not connect. If you know the server was rebuilt, remove the host and add it again."
              />
            </Match>
            <Match when={c().trust.kind === "trusted"}>
              <p>Tidepool already knows this host's key. Add it to log in and read what it runs.</p>
            </Match>
            <Match when={offered()}>
              {(k) => (
                <div class="space-y-3">
                  <p>
                    This is the first time Tidepool connects to <b>{c().spec.host}</b>. Check that the fingerprint below is the server's before you trust it: your
                    hosting provider shows it, or run <code class="font-mono">ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> on the server.
                  </p>
                  <div class="flex items-start gap-2 rounded-md border border-line bg-surface-2 p-3">
                    <KeyRound size={16} class="mt-0.5 text-muted shrink-0" />
                    <div class="min-w-0">
                      <div class="text-xs text-muted">{k().algorithm}</div>
                      <div class="font-mono text-[13px] break-all" data-testid="host-fingerprint">
                        {k().fingerprint}
                      </div>
                    </div>
                  </div>
                </div>
              )}
            </Match>
          </Switch>
        )}
      </Show>
      <Show when={error()}>
        {(e) => <ErrorNotice class="mt-3" testid="host-error" error={presentError(e(), { title: check() ? "The host was not added" : "Tidepool could not check that host" })} />}
      </Show>
    </Modal>
  );
}
