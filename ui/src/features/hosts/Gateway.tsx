import { createEffect, createSignal, on, Show } from "solid-js";
import { commands, type AppError, type GatewayAction, type HostEntry, type ServiceStatus } from "../../bindings";
import { presentError } from "../../shared/lib/errors";
import { Button } from "../../shared/ui/Button";
import { ConfirmDialog } from "../../shared/ui/ConfirmDialog";
import { ErrorNotice } from "../../shared/ui/ErrorNotice";
import { status as appStatus } from "../../shared/lib/gateway";
import { MessageSquare, Play, RotateCw, Square } from "../../shared/ui/icons";
import { switching, useGateway } from "./Switcher";

/** The host's gateway: running or not, where, and Start / Stop / Restart through its service. */
export function HostGateway(props: { host: HostEntry }) {
  const [status, setStatus] = createSignal<ServiceStatus | null>(null);
  const [busy, setBusy] = createSignal<GatewayAction | null>(null);
  const [error, setError] = createSignal<AppError | null>(null);
  const [confirmStop, setConfirmStop] = createSignal(false);

  const run = async (action: GatewayAction) => {
    setBusy(action);
    setError(null);
    const r = await commands.hostsGateway(props.host.id, action);
    setBusy(null);
    if (r.status === "ok") setStatus(r.data);
    else setError(r.error);
  };
  // Read again when another host is chosen.
  createEffect(
    on(
      () => props.host.id,
      () => {
        setStatus(null);
        void run("status");
      },
    ),
  );

  const running = () => status()?.rpc.ok === true;
  const line = () => {
    const s = status();
    if (!s) return "";
    const parts = [
      s.rpc.server?.version ? `v${s.rpc.server.version}` : null,
      `port ${s.gateway.port}`,
      s.service.installed ? `${s.service.manager} service` : "no service installed",
      s.service.pid != null ? `pid ${s.service.pid}` : null,
    ];
    return parts.filter(Boolean).join(" · ");
  };

  return (
    <section class="rounded-lg border border-line p-4 space-y-3" data-testid="host-gateway" data-running={running() ? "yes" : "no"}>
      <div class="flex items-center gap-3">
        <span class={`inline-flex items-center gap-1.5 rounded-full border px-2.5 h-6 text-xs font-medium ${running() ? "border-ok/40 text-ok bg-ok/10" : "border-line text-muted"}`} data-testid="host-gateway-state">
          <span class={`size-1.5 rounded-full ${running() ? "bg-ok" : "bg-idle"}`} aria-hidden="true" />
          {status() ? (running() ? "Running" : "Stopped") : busy() === "status" ? "Checking…" : "Unknown"}
        </span>
        <span class="text-xs text-muted flex-1 truncate" data-testid="host-gateway-line">
          {line()}
        </span>
        <Show
          when={running()}
          fallback={
            <Button variant="primary" class="h-7" icon={<Play size={14} />} loading={busy() === "start"} disabled={busy() !== null} data-testid="host-gateway-start" onClick={() => void run("start")}>
              Start
            </Button>
          }
        >
          <Show
            when={appStatus()?.host?.id !== props.host.id}
            fallback={
              <span class="text-xs text-ok font-medium" data-testid="host-gateway-in-use">
                In use by Tidepool
              </span>
            }
          >
            <Button
              variant="primary"
              class="h-7"
              icon={<MessageSquare size={14} />}
              loading={switching() === props.host.name}
              disabled={switching() !== null}
              data-testid="host-gateway-use"
              onClick={() => void useGateway(`host:${props.host.id}`)}
            >
              Use in Tidepool
            </Button>
          </Show>
          <Button variant="secondary" class="h-7" icon={<RotateCw size={14} />} loading={busy() === "restart"} disabled={busy() !== null} data-testid="host-gateway-restart" onClick={() => void run("restart")}>
            Restart
          </Button>
          <Button variant="danger" class="h-7" icon={<Square size={14} />} loading={busy() === "stop"} disabled={busy() !== null} data-testid="host-gateway-stop" onClick={() => setConfirmStop(true)}>
            Stop
          </Button>
        </Show>
      </div>
      <Show when={!running() && status()?.lastError}>
        <p class="text-xs text-err break-words" data-testid="host-gateway-last-error">
          {status()?.lastError}
        </p>
      </Show>
      <Show when={error()}>{(e) => <ErrorNotice testid="host-gateway-error" error={presentError(e(), { title: `The gateway on ${props.host.name} did not answer` })} />}</Show>
      <ConfirmDialog
        open={confirmStop()}
        title={`Stop the gateway on ${props.host.name}?`}
        confirmLabel="Stop"
        tone="danger"
        onConfirm={async () => {
          setConfirmStop(false);
          await run("stop");
        }}
        onCancel={() => setConfirmStop(false)}
      >
        <Show when={appStatus()?.host?.id === props.host.id} fallback="Apps and chats that use it lose their connection until you start it again.">
          Tidepool uses this gateway now: chats and approvals wait until you start it again.
        </Show>{" "}
        Its service stays installed.
      </ConfirmDialog>
    </section>
  );
}
