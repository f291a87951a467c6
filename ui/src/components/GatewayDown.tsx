import type { JSX } from "solid-js";
import { act, busy } from "../lib/gateway";
import { Button } from "./Button";

/** The empty state of a page that needs the running gateway: why, and the one action. */
export function GatewayDown(props: { icon: JSX.Element; why: string }) {
  return (
    <div class="h-full flex items-center justify-center p-6">
      <div class="max-w-sm text-center space-y-3">
        <div class="flex justify-center text-muted">{props.icon}</div>
        <h2 class="text-base font-semibold">The gateway is not running</h2>
        <p class="text-muted text-[13px]">{props.why}</p>
        <Button variant="primary" loading={busy() === "start"} onClick={() => void act("start")}>
          Start the gateway
        </Button>
      </div>
    </div>
  );
}
