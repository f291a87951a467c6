import { For, Show } from "solid-js";

/** The fills the series take, in order (the app's own colours, both themes). */
const FILLS = ["fill-accent", "fill-ok", "fill-warn", "fill-err", "fill-idle"];

/** The fill class of the `i`-th series (colours repeat after five). */
export function seriesFill(i: number): string {
  return FILLS[i % FILLS.length];
}

/** A small bar chart with one bar per column (e.g. a day), each stacked by series (e.g. a
 *  provider, in the order of `series`); every bar shares one scale. Empty columns keep
 *  their place as a dashed baseline. */
export function StackedBars(props: {
  columns: { label: string; parts: Record<string, number> }[];
  series: string[];
  width?: number;
  height?: number;
  label: string;
}) {
  const w = () => props.width ?? 200;
  const h = () => props.height ?? 32;
  const max = () => Math.max(0, ...props.columns.map((c) => Object.values(c.parts).reduce((a, b) => a + b, 0)));
  const slot = () => w() / Math.max(1, props.columns.length);
  const barW = () => Math.max(2, slot() * 0.7);
  return (
    <svg width="100%" height={h()} viewBox={`0 0 ${w()} ${h()}`} preserveAspectRatio="none" role="img" aria-label={props.label} class="block">
      <For each={props.columns}>
        {(c, i) => {
          const x = () => i() * slot() + (slot() - barW()) / 2;
          const segments = () => {
            let y = h();
            const out: { y: number; height: number; fill: string; key: string }[] = [];
            props.series.forEach((key, si) => {
              const v = c.parts[key] ?? 0;
              if (v <= 0 || max() <= 0) return;
              const height = (v / max()) * (h() - 1);
              y -= height;
              out.push({ y, height, fill: seriesFill(si), key });
            });
            return out;
          };
          return (
            <Show when={segments().length} fallback={<line x1={x()} x2={x() + barW()} y1={h() - 0.5} y2={h() - 0.5} class="stroke-line" stroke-dasharray="2 2" vector-effect="non-scaling-stroke" />}>
              <g data-column={c.label}>
                <For each={segments()}>
                  {(s) => (
                    <rect x={x()} y={s.y} width={barW()} height={s.height} class={s.fill} data-series={s.key} />
                  )}
                </For>
              </g>
            </Show>
          );
        }}
      </For>
    </svg>
  );
}
