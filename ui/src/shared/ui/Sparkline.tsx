import { Show } from "solid-js";

/** A small line chart of recent values (e.g. memory); empty until two points exist. `fluid`
 *  stretches it to its container's width (the line keeps its thickness). */
export function Sparkline(props: { values: number[]; width?: number; height?: number; label: string; fluid?: boolean }) {
  const w = () => props.width ?? 160;
  const h = () => props.height ?? 36;
  const path = () => {
    const v = props.values;
    if (v.length < 2) return "";
    const min = Math.min(...v);
    const max = Math.max(...v);
    const span = max - min || 1;
    return v
      .map((y, i) => {
        const px = (i / (v.length - 1)) * (w() - 2) + 1;
        const py = h() - 2 - ((y - min) / span) * (h() - 4);
        return `${i === 0 ? "M" : "L"}${px.toFixed(1)},${py.toFixed(1)}`;
      })
      .join(" ");
  };
  return (
    <svg
      width={props.fluid ? "100%" : w()}
      height={h()}
      viewBox={`0 0 ${w()} ${h()}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={props.label}
      class={props.fluid ? "block" : "overflow-visible"}
    >
      <Show when={path()} fallback={<line x1="0" x2={w()} y1={h() - 2} y2={h() - 2} class="stroke-line" stroke-dasharray="3 3" vector-effect="non-scaling-stroke" />}>
        <path d={path()} fill="none" class="stroke-accent" stroke-width="1.75" stroke-linejoin="round" vector-effect="non-scaling-stroke" />
      </Show>
    </svg>
  );
}
