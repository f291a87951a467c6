import type { JSX } from "solid-js";
import { act, busy, remoteHost, remoteUrl } from "../lib/gateway";
import { Button } from "./Button";

/** The empty state of a page that needs the running gateway: why, and the one action. */
export function GatewayDown(props: { icon: JSX.Element; why: string }) {
  return (
    <div class="h-full flex items-center justify-center p-6">
      <div class="max-w-sm text-center space-y-3">
        <div class="flex justify-center text-muted">{props.icon}</div>
        <h2 class="text-base font-semibold">
          {remoteHost() ? `Not connected to the gateway at ${remoteHost()}` : "The gateway is not running"}
        </h2>
        <p class="text-muted text-[13px]">
          {props.why} {remoteUrl() ? "Connect to it to continue." : "Start it to continue."}
        </p>
        <Button variant="primary" loading={busy() === "start"} onClick={() => void act("start")}>
          {remoteUrl() ? "Connect" : "Start the gateway"}
        </Button>
      </div>
    </div>
  );
}
