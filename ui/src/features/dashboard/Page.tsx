import { Play, TriangleAlert } from "../../shared/ui/icons";
import { createResource, createSignal, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import { commands } from "../../bindings";
import { Attention, InUse, Tiles } from "./Tiles";
import { Button } from "../../shared/ui/Button";
import { RestoreLastGood } from "./RestoreLastGood";
import { StatePill } from "../../shared/ui/StatePill";
import { duration, exactTime, plural } from "../../shared/lib/format";
import { act, actionError, busy, failedAction, managedBy, remoteHost, remoteUrl, status } from "../../shared/lib/gateway";
import { ErrorNotice } from "../../shared/ui/ErrorNotice";
import { info } from "../settings/store";
import { TipText } from "../../shared/ui/Tooltip";

function Skeleton() {
  return (
    <div class="grid grid-cols-3 gap-4" role="progressbar" aria-busy="true" aria-label="Loading">
      <div class="tp-skeleton h-20" />
      <div class="tp-skeleton h-20" />
      <div class="tp-skeleton h-20" />
      <div class="tp-skeleton h-20 col-span-3" />
    </div>
  );
}

/** The gateway's exit code for an invalid config (EX_CONFIG): restarting cannot fix it. */
const EX_CONFIG = 78;

/** `invalid gateway config: config /x/tidepool.json:3:14: at `a.b`: …` → where (file, line,
 *  column) and what the gateway said; the heading already says the rest in words. */
function configReason(reason: string): { where: string | null; what: string } {
  const said = reason.replace(/^invalid gateway config:\s*/, "");
  const m = /^config (.+?):(\d+):(\d+): ([\s\S]*)$/.exec(said);
  if (!m) return { where: null, what: said };
  const file = m[1].split(/[\\/]/).pop() ?? m[1];
  return { where: `${file}, line ${m[2]}, column ${m[3]}`, what: m[4] };
}

/** The heading of a failed Start/Stop/Restart. */
function failedTitle(): string {
  const remote = !!remoteUrl();
  switch (failedAction()) {
    case "stop":
      return remote ? "Tidepool could not disconnect" : "The gateway did not stop";
    case "restart":
      return remote ? "Tidepool could not reconnect" : "The gateway did not restart";
    default:
      return remote ? "Tidepool could not connect" : "The gateway did not start";
  }
}

export function Dashboard(props: { onOpenConfig?: () => void; onGo?: (page: "approvals" | "logs" | "config") => void }) {
  const [now, setNow] = createSignal(Date.now());
  const [restored, setRestored] = createSignal<string | null>(null);
  // The config behind "In use" and the unsupported settings; read again after each restart.
  const [configDoc] = createResource(
    () => (status()?.state.kind === "running" ? (status()?.startedAtMs ?? 0) : null),
    async () => {
      const r = await commands.configLoad();
      return r.status === "ok" ? r.data : null;
    },
  );
  onMount(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    onCleanup(() => clearInterval(t));
  });
  const s = status;
  const running = () => {
    const st = s()?.state;
    return st?.kind === "running" ? st : null;
  };
  const crashed = () => {
    const st = s()?.state;
    return st?.kind === "crashed" ? st : null;
  };
  /** Gave up because the config on this computer is invalid (never for a remote gateway). */
  const badConfig = () => !remoteUrl() && crashed()?.exitCode === EX_CONFIG;
  return (
    <div class="p-6 space-y-5 max-w-5xl">
      <Show when={info()?.tokenHome === "stateFile"}>
        <div role="status" class="flex gap-3 rounded-lg border border-warn/40 bg-warn/10 p-3 text-[13px]">
          <TriangleAlert size={18} class="text-warn shrink-0" />
          <div>
            <b>No system keychain found.</b> The gateway token stays in {info()?.stateDir}/gateway.token, readable only
            by you. Install a keychain (e.g. GNOME Keyring) to keep it there instead.
          </div>
        </div>
      </Show>
      <Show when={restored()}>
        <div role="status" data-testid="restored" class="flex items-start gap-3 rounded-lg border border-ok/40 bg-ok/10 p-3 text-[13px]">
          <div class="flex-1 min-w-0 break-words">
            <b>The last working config is back.</b> {restored()}
          </div>
          <Button variant="ghost" class="h-6 px-2" onClick={() => setRestored(null)}>
            Dismiss
          </Button>
        </div>
      </Show>
      {/* A start refused for the reason the crash card explains is not said twice. */}
      <Show when={actionError() && actionError() !== crashed()?.reason}>
        <ErrorNotice testid="action-error" title={failedTitle()} cause={actionError() ?? ""} action={remoteUrl() ? "Check the address and the token in Settings → Gateway, then try again." : "The Logs page shows the gateway's last lines."} />
      </Show>
      <Switch fallback={<Skeleton />}>
        <Match when={badConfig() && crashed()}>
          {(c) => (
            <section class="rounded-lg border border-err/40 bg-surface p-5 space-y-3" data-testid="crashed-config">
              <div class="flex items-center gap-3">
                <StatePill status={s()} />
                <h2 class="font-semibold">The gateway cannot start: its config file has a mistake</h2>
              </div>
              <p class="text-[13px] text-muted">
                Tidepool stopped trying, because every start would fail the same way until the file is fixed.
                {configReason(c().reason).where ? ` The mistake is in ${configReason(c().reason).where}:` : " The gateway said:"}
              </p>
              <p class="text-[13px] font-mono text-err break-words rounded-md bg-err/5 border border-err/20 px-3 py-2" data-testid="crashed-reason">
                {configReason(c().reason).what}
              </p>
              <p class="text-[13px] text-muted">
                Go back to the last version of the file that worked (you see the difference first), or fix it by hand.
              </p>
              <RestoreLastGood onOpenConfig={props.onOpenConfig} onRestored={setRestored} />
            </section>
          )}
        </Match>
        <Match when={crashed()}>
          {(c) => (
            <section class="rounded-lg border border-err/40 bg-surface p-5 space-y-3" data-testid="crashed">
              <div class="flex items-center gap-3">
                <StatePill status={s()} />
                <h2 class="font-semibold">
                  {remoteHost()
                    ? `Tidepool cannot connect to the gateway at ${remoteHost()}`
                    : managedBy()
                      ? `The gateway service (${managedBy()}) did not start`
                      : "The gateway stopped and Tidepool gave up restarting it"}
                </h2>
              </div>
              <p class="text-[13px] font-mono text-err break-words">{c().reason}</p>
              <p class="text-[13px] text-muted">
                {remoteUrl()
                  ? "Check the token on that machine, or choose another gateway in Settings → Gateway, then connect again."
                  : "Fix the cause (the Logs page shows the gateway's last lines), then start it again."}
              </p>
              <Button data-testid="start-again" variant="primary" icon={<Play size={15} />} loading={busy() === "start"} onClick={() => act("start")}>
                {remoteUrl() ? "Connect again" : "Start again"}
              </Button>
            </section>
          )}
        </Match>
        <Match when={s()?.state.kind === "stopped"}>
          <section class="rounded-lg border border-dashed border-line bg-surface p-8 text-center space-y-3" data-testid="stopped">
            <h2 class="text-base font-semibold">{remoteUrl() ? "Not connected" : "The gateway is stopped"}</h2>
            <p class="text-[13px] text-muted max-w-md mx-auto">
              {remoteUrl()
                ? `Your assistant runs at ${remoteUrl()}. Connect to chat with it and manage it from here.`
                : managedBy()
                  ? `It is installed as a service, managed by ${managedBy()}: Start starts the service, and it keeps running when you quit Tidepool.`
                  : "Start it so your assistant and its apps can connect. It runs on this computer only (127.0.0.1) and needs a token to talk to."}
            </p>
            <Button data-testid="start-gateway" variant="primary" icon={<Play size={15} />} loading={busy() === "start"} onClick={() => act("start")}>
              {remoteUrl() ? "Connect" : "Start gateway"}
            </Button>
          </section>
        </Match>
        <Match when={s() && !running()}>
          <section class="rounded-lg border border-line bg-surface p-5 flex items-center gap-3" data-testid="transition">
            <StatePill status={s()} />
            <span class="text-[13px] text-muted">
              {s()?.state.kind === "restarting"
                ? `${remoteUrl() ? "Reconnecting" : "Restarting after a crash"}${s()?.lastError ? `: ${s()?.lastError}` : ""}`
                : "Working…"}
            </span>
            <div class="ml-auto h-1.5 w-40 overflow-hidden rounded bg-surface-2" role="progressbar" aria-label="In progress">
              <div class="h-full w-1/3 bg-warn animate-pulse" />
            </div>
          </section>
        </Match>
        <Match when={running()}>
          {(r) => (
            <div class="space-y-4" data-testid="running">
              <div class="flex flex-wrap items-center gap-x-3 gap-y-1 text-[13px] text-muted" data-testid="details">
                <span data-testid="card-address">
                  <Show when={remoteUrl()} fallback={`127.0.0.1:${r().port}`}>
                    {(url) => <TipText tip={url()} class="rounded">{remoteHost()}</TipText>}
                  </Show>
                </span>
                <span aria-hidden="true">·</span>
                <span data-testid="card-pid">{r().pid != null ? `pid ${r().pid}` : remoteUrl()?.startsWith("wss:") ? "another machine (encrypted)" : "another machine"}</span>
                <span aria-hidden="true">·</span>
                <span data-testid="card-version">v{r().version}</span>
                <span aria-hidden="true">·</span>
                <span data-testid="card-uptime">
                  <Show when={s()?.startedAtMs} fallback={`up ${duration(0)}`}>
                    {(since) => <TipText tip={`Started ${exactTime(since())}`} class="rounded">{`up ${duration(now() - since())}`}</TipText>}
                  </Show>
                </span>
                <span aria-hidden="true">·</span>
                <span data-testid="card-restarts">{plural(s()?.restarts ?? 0, "restart")}</span>
                <Show when={managedBy()}>
                  {(m) => (
                    <>
                      <span aria-hidden="true">·</span>
                      <TipText tip={`Installed as a service: it keeps running when you quit Tidepool, and Start and Stop go through ${m()}.`} class="rounded">
                        <span data-testid="card-managed" class="rounded-full border border-line px-2 py-0.5 text-[12px]">
                          managed by {m()}
                        </span>
                      </TipText>
                    </>
                  )}
                </Show>
              </div>
              <Tiles />
              <div class="grid grid-cols-1 md:grid-cols-3 gap-4">
                <div class="md:col-span-2">
                  <Attention go={(p) => props.onGo?.(p)} unsupported={configDoc()?.unsupported ?? []} />
                </div>
                <InUse raw={configDoc()?.raw ?? null} />
              </div>
              <Show when={s()?.lastError}>
                <div class="rounded-lg border border-line bg-surface p-4 text-[13px]">
                  <span class="text-muted">Last error: </span>
                  <span class="font-mono">{s()?.lastError}</span>
                </div>
              </Show>
            </div>
          )}
        </Match>
      </Switch>
    </div>
  );
}
