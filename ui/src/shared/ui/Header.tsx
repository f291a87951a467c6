import { LoaderCircle, Play, RotateCw, Search, Square } from "./icons";
import { Show } from "solid-js";
import { act, busy, remoteHost, remoteUrl, status, verbs } from "../lib/gateway";
import { hosts, runningJobs } from "../../features/hosts/store";
import { GatewaySwitcher, usable } from "../../features/hosts/Switcher";
import { Button } from "./Button";
import { StatePill } from "./StatePill";
import { toast } from "./Toast";
import { mod, TipButton, TipText } from "./Tooltip";

/** Stops (or disconnects) at once and offers to undo it from a toast. */
async function stopWithUndo() {
  await act("stop");
  if (status()?.state.kind !== "stopped") return;
  const host = remoteHost();
  toast.info(host ? `Disconnected from the gateway at ${host}` : "The gateway is stopped", null, {
    action: { label: host ? "Connect again" : "Start again", run: () => act("start") },
  });
}

/** Page title, the gateway's state and its quick actions. */
export function Header(props: { title: string; onPalette?: () => void; onJobs?: () => void }) {
  const kind = () => status()?.state.kind;
  const running = () => kind() === "running";
  const moving = () => ["starting", "stopping", "restarting"].includes(kind() ?? "");
  const words = () => verbs(!!remoteUrl());
  return (
    <header class="flex items-center gap-3 h-14 px-6 border-b border-line bg-surface shrink-0">
      <h1 class="text-base font-semibold mr-auto">{props.title}</h1>
      <Show when={runningJobs().length}>
        <TipButton
          tip={runningJobs()
            .map((j) => `${j.steps.find((s) => s.state === "running")?.name ?? "Working"} on ${j.target}`)
            .join(" · ")}
          data-testid="jobs-indicator"
          class="inline-flex items-center gap-2 rounded-full border border-line px-2.5 h-7 text-xs text-muted hover:text-fg"
          onClick={() => props.onJobs?.()}
        >
          <LoaderCircle size={13} class="animate-spin text-accent" aria-hidden="true" />
          {runningJobs().length === 1
            ? `${runningJobs()[0].target} · ${Math.round((runningJobs()[0].progress ?? 0) * 100)}%`
            : `${runningJobs().length} jobs running`}
        </TipButton>
      </Show>
      <Show when={props.onPalette}>
        {(open) => (
          <TipButton
            tip="Pages, actions, conversations and settings"
            shortcut={mod("K")}
            aria-label="Open the command palette"
            data-testid="palette-open"
            class="inline-flex items-center gap-2 rounded-md border border-line bg-surface-2 px-2.5 h-8 text-[13px] text-muted hover:text-fg"
            onClick={() => open()()}
          >
            <Search size={14} aria-hidden="true" />
            <span class="hidden md:inline">Search or jump to…</span>
          </TipButton>
        )}
      </Show>
      <Show
        when={(hosts() ?? []).some(usable)}
        fallback={
          <TipText tip={remoteUrl() ?? "On this computer"} class="text-muted text-[13px] rounded" data-testid="header-gateway">
            {remoteHost() ? `Gateway at ${remoteHost()}` : "Gateway"}
          </TipText>
        }
      >
        <GatewaySwitcher />
      </Show>
      <StatePill status={status()} testid="header-state" />
      <Show
        when={running() || moving()}
        fallback={
          <Button data-testid="header-start" variant="primary" icon={<Play size={15} />} loading={busy() === "start"} disabled={!!busy()} onClick={() => act("start")}>
            {words().start}
          </Button>
        }
      >
        <Button data-testid="header-restart" icon={<RotateCw size={15} />} loading={busy() === "restart"} disabled={!!busy() || !running()} onClick={() => act("restart")}>
          {words().restart}
        </Button>
        <Button data-testid="header-stop" variant="danger" icon={<Square size={14} />} loading={busy() === "stop"} disabled={!!busy()} onClick={() => void stopWithUndo()}>
          {words().stop}
        </Button>
      </Show>
    </header>
  );
}
