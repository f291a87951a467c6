import { createSignal, Show } from "solid-js";
import { commands, type HostEntry } from "../../bindings";
import { errorText } from "../../shared/lib/format";
import { hostOf, setStatus, status } from "../../shared/lib/gateway";
import { Select, type SelectOption } from "../../shared/ui/Select";
import { toast } from "../../shared/ui/Toast";
import { LoaderCircle } from "../../shared/ui/icons";
import { hosts } from "./store";

/** A host has a Tidepool to use: installed by the app, or found by the probe. */
export const usable = (h: HostEntry) => !!(h.installed || h.facts?.tidepoolPath);

/** `user@host:port`, as typed. */
export function address(h: HostEntry): string {
  const s = h.spec;
  return `${s.user ? `${s.user}@` : ""}${s.host}${s.port ? `:${s.port}` : ""}`;
}

const [switching, setSwitching] = createSignal<string | null>(null);
export { switching };

/** Switches the app to the gateway `value` names ("local", or "host:<id>"): the tunnel is
 *  opened and checked first, so a host that cannot be used leaves everything as it was. */
export async function useGateway(value: string): Promise<boolean> {
  if (switching()) return false;
  const host = value.startsWith("host:") ? (hosts() ?? []).find((h) => `host:${h.id}` === value) : null;
  setSwitching(host ? host.name : "this computer");
  try {
    const r = host ? await commands.hostsUse(host.id) : await commands.remoteForget();
    if (r.status === "ok") {
      setStatus(r.data);
      toast.success(host ? `Using the gateway on ${host.name}` : "Using the gateway on this computer", host ? "Through an SSH tunnel; chats, sessions and config are the host's." : null, {
        testid: "switch-done",
      });
      return true;
    }
    toast.error(host ? `Cannot use the gateway on ${host.name}` : "Cannot switch to this computer", errorText(r.error), { testid: "switch-failed" });
    return false;
  } finally {
    setSwitching(null);
  }
}

/** The header's gateway switcher: this computer, the remote gateway in use, each host with
 *  Tidepool. */
export function GatewaySwitcher() {
  const value = () => {
    const s = status();
    if (s?.host) return `host:${s.host.id}`;
    if (s?.remote) return "remote";
    return "local";
  };
  const options = (): SelectOption[] => {
    const s = status();
    const list: SelectOption[] = [{ value: "local", label: "This computer" }];
    if (s?.remote) list.push({ value: "remote", label: hostOf(s.remote), hint: "remote" });
    for (const h of (hosts() ?? []).filter(usable)) list.push({ value: `host:${h.id}`, label: h.name, hint: address(h) });
    return list;
  };
  return (
    <Show
      when={!switching()}
      fallback={
        <span class="inline-flex items-center gap-1.5 text-[13px] text-muted" data-testid="gateway-switching" role="status">
          <LoaderCircle size={13} class="animate-spin text-accent" aria-hidden="true" />
          Switching to {switching()}…
        </span>
      }
    >
      <Select
        label="Which gateway Tidepool uses"
        testid="gateway-switcher"
        options={options()}
        value={value()}
        onChange={(v) => {
          if (v !== "remote") void useGateway(v);
        }}
      />
    </Show>
  );
}
