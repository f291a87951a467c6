import { errorText } from "./format";
import { createSignal } from "solid-js";
import { commands, events, type GatewayMetrics_Serialize as GatewayMetrics, type Status_Serialize as Status } from "../../bindings";

export type GatewayStatus = Status;
export type Action = "start" | "stop" | "restart";

const [status, setStatus] = createSignal<GatewayStatus | null>(null);
const [metrics, setMetrics] = createSignal<GatewayMetrics[]>([]);
const [busy, setBusy] = createSignal<Action | null>(null);
const [actionError, setActionError] = createSignal<string | null>(null);
/** The action whose error `actionError` is. */
const [failedAction, setFailedAction] = createSignal<Action | null>(null);

export { status, setStatus, metrics, busy, actionError, failedAction };

/** The gateway answers (running here, or connected to elsewhere). */
export const isUp = () => status()?.state.kind === "running";

/** The host (over SSH) whose gateway the app uses instead of its own. */
export const usedHost = () => status()?.host ?? null;

/** Where the gateway the app uses is, when not on this computer: the remote URL, or the host's
 *  name (reached through an SSH tunnel). Null when the app runs its own. */
export const remoteUrl = () => {
  const host = usedHost();
  return status()?.remote ?? (host ? `${host.name} (over SSH)` : null);
};

/** The service manager that runs the local gateway, in words ("systemd", "Task Scheduler"),
 *  when it is installed as a service (`tidepool gateway install`); null when the app runs it. */
export const managedBy = () => managerName(status()?.managedBy ?? null);

/** A service manager's name as people know it. */
export function managerName(m: string | null): string | null {
  switch (m) {
    case null:
      return null;
    case "task":
      return "Task Scheduler";
    case "plain":
      return "a background service";
    default:
      return m;
  }
}

/** `host[:port]` of a gateway URL, for short labels. */
export function hostOf(url: string): string {
  const rest = url.includes("://") ? url.slice(url.indexOf("://") + 3) : url;
  return rest.split("/")[0];
}

/** `host[:port]` of the remote gateway, or the host's name; null when the app runs its own. */
export const remoteHost = () => {
  const host = usedHost();
  if (host) return host.name;
  const url = status()?.remote;
  return url ? hostOf(url) : null;
};

/** Button words: a remote gateway is connected to, not started. */
export function verbs(remote: boolean): Record<Action, string> {
  return remote
    ? { start: "Connect", stop: "Disconnect", restart: "Reconnect" }
    : { start: "Start", stop: "Stop", restart: "Restart" };
}

/** How a state is shown: label, colour token, and whether it is in motion. */
export function describe(s: GatewayStatus | null): { label: string; tone: "ok" | "warn" | "err" | "idle"; moving: boolean } {
  if (s?.remote || s?.host) {
    switch (s.state.kind) {
      case "running":
        return { label: "Connected", tone: "ok", moving: false };
      case "starting":
        return { label: "Connecting", tone: "warn", moving: true };
      case "stopping":
        return { label: "Disconnecting", tone: "warn", moving: true };
      case "restarting":
        return { label: "Reconnecting", tone: "warn", moving: true };
      case "crashed":
        return { label: "Cannot connect", tone: "err", moving: false };
      case "stopped":
        return { label: "Disconnected", tone: "idle", moving: false };
    }
  }
  switch (s?.state.kind) {
    case "running":
      return { label: "Running", tone: "ok", moving: false };
    case "starting":
      return { label: "Starting", tone: "warn", moving: true };
    case "stopping":
      return { label: "Stopping", tone: "warn", moving: true };
    case "restarting":
      return { label: "Restarting", tone: "warn", moving: true };
    case "crashed":
      return { label: "Crashed", tone: "err", moving: false };
    case "stopped":
      return { label: "Stopped", tone: "idle", moving: false };
    default:
      return { label: "Loading", tone: "idle", moving: true };
  }
}

let started = false;

/** Loads the current state and follows changes. Safe to call more than once. */
export async function initGateway(): Promise<void> {
  if (started) return;
  started = true;
  await events.gatewayStatusChanged.listen((e) => setStatus(e.payload));
  await events.gatewayMetrics.listen((e) => setMetrics((m) => [...m.slice(-119), e.payload]));
  setStatus(await commands.gatewayStatus());
  setMetrics(await commands.gatewayMetrics());
}

/** For tests: forget everything. */
export function resetGatewayStore(): void {
  started = false;
  setStatus(null);
  setMetrics([]);
  setBusy(null);
  setActionError(null);
  setFailedAction(null);
}

const message = errorText;

/** Runs a Start/Stop/Restart; the buttons disable while it runs and show its error. */
export async function act(action: Action): Promise<void> {
  if (busy()) return;
  setBusy(action);
  setActionError(null);
  try {
    const r =
      action === "start"
        ? await commands.gatewayStart()
        : action === "stop"
          ? await commands.gatewayStop()
          : await commands.gatewayRestart();
    if (r.status === "ok") setStatus(r.data);
    else {
      setFailedAction(action);
      setActionError(message(r.error));
    }
  } catch (e) {
    setFailedAction(action);
    setActionError(String(e));
  } finally {
    setBusy(null);
  }
}
