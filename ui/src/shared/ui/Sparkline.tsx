import { Show } from "solid-js";

/** A small line chart of recent values (e.g. memory); empty until two points exist. */
export function Sparkline(props: { values: number[]; width?: number; height?: number; label: string }) {
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
    <svg width={w()} height={h()} role="img" aria-label={props.label} class="overflow-visible">
      <Show when={path()} fallback={<line x1="0" x2={w()} y1={h() - 2} y2={h() - 2} class="stroke-line" stroke-dasharray="3 3" />}>
        <path d={path()} fill="none" class="stroke-accent" stroke-width="1.75" stroke-linejoin="round" />
      </Show>
    </svg>
  );
}
