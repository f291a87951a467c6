import { describe, type GatewayStatus } from "../lib/gateway";

const tone = {
  ok: "text-ok bg-ok/10 border-ok/30",
  warn: "text-warn bg-warn/10 border-warn/30",
  err: "text-err bg-err/10 border-err/30",
  idle: "text-idle bg-idle/10 border-idle/30",
} as const;

const dot = { ok: "bg-ok", warn: "bg-warn", err: "bg-err", idle: "bg-idle" } as const;

/** The gateway's state as a coloured pill with a text label (never colour alone). */
export function StatePill(props: { status: GatewayStatus | null; testid?: string }) {
  const d = () => describe(props.status);
  return (
    <span
      data-testid={props.testid ?? "state-pill"}
      data-state={props.status?.state.kind ?? "loading"}
      class={`inline-flex items-center gap-1.5 rounded-full border px-2.5 h-6 text-xs font-semibold ${tone[d().tone]}`}
    >
      <span class={`size-2 rounded-full ${dot[d().tone]} ${d().moving ? "animate-pulse" : ""}`} aria-hidden="true" />
      {d().label}
    </span>
  );
}
