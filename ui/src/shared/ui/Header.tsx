import { Play, RotateCw, Square } from "./icons";
import { Show } from "solid-js";
import { act, busy, remoteHost, remoteUrl, status, verbs } from "../lib/gateway";
import { Button } from "./Button";
import { StatePill } from "./StatePill";

/** Page title, the gateway's state and its quick actions. */
export function Header(props: { title: string }) {
  const kind = () => status()?.state.kind;
  const running = () => kind() === "running";
  const moving = () => ["starting", "stopping", "restarting"].includes(kind() ?? "");
  const words = () => verbs(!!remoteUrl());
  return (
    <header class="flex items-center gap-3 h-14 px-6 border-b border-line bg-surface shrink-0">
      <h1 class="text-base font-semibold mr-auto">{props.title}</h1>
      <span class="text-muted text-[13px]" data-testid="header-gateway" title={remoteUrl() ?? "On this computer"}>
        {remoteHost() ? `Gateway at ${remoteHost()}` : "Gateway"}
      </span>
      <StatePill status={status()} testid="header-state" />
      <Show
        when={running() || moving()}
        fallback={
          <Button variant="primary" icon={<Play size={15} />} loading={busy() === "start"} disabled={!!busy()} onClick={() => act("start")}>
            {words().start}
          </Button>
        }
      >
        <Button icon={<RotateCw size={15} />} loading={busy() === "restart"} disabled={!!busy() || !running()} onClick={() => act("restart")}>
          {words().restart}
        </Button>
        <Button variant="danger" icon={<Square size={14} />} loading={busy() === "stop"} disabled={!!busy()} onClick={() => act("stop")}>
          {words().stop}
        </Button>
      </Show>
    </header>
  );
}
