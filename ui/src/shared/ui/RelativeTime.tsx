import { createSignal, onCleanup } from "solid-js";
import { exactTime, relativeTime } from "../lib/format";
import { TipText } from "./Tooltip";

// One clock for every relative time on screen, ticking while any is shown.
const [now, setNow] = createSignal(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;
function useNow(): () => number {
  if (users++ === 0) {
    setNow(Date.now());
    timer = setInterval(() => setNow(Date.now()), 30_000);
  }
  onCleanup(() => {
    if (--users === 0) clearInterval(timer);
  });
  return now;
}

/** "3 min ago", with the exact local date and time in a tooltip (and in `datetime`). */
export function RelativeTime(props: { ms: number; class?: string }) {
  const clock = useNow();
  return (
    <TipText tip={exactTime(props.ms)} class={`whitespace-nowrap ${props.class ?? ""}`} focusable={false}>
      <time dateTime={new Date(props.ms).toISOString()}>{relativeTime(props.ms, Math.max(clock(), Date.now()))}</time>
    </TipText>
  );
}
