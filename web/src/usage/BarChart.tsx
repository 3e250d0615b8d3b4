import { barLength, labelEvery, niceScale } from './scale.ts';

export interface Bar {
  key: string;
  /** Under the bar (thinned out when there are many). */
  label: string;
  value: number;
}

const height = 180;
const margin = { top: 10, right: 8, bottom: 24, left: 56 };

/**
 * Vertical bars from 0 (a bar per day), with a round scale, grid lines and the bars' values in hover tooltips. One
 * image for assistive technology: `summary` says what it shows; the figure around it has the table.
 */
export function BarChart({
  bars,
  width,
  summary,
  format,
  formatTick,
}: {
  bars: Bar[];
  width: number;
  summary: string;
  format(value: number): string;
  formatTick(value: number): string;
}) {
  const scale = niceScale(Math.max(0, ...bars.map((b) => b.value)));
  const plotWidth = Math.max(1, width - margin.left - margin.right);
  const plotHeight = height - margin.top - margin.bottom;
  const band = plotWidth / Math.max(1, bars.length);
  const barWidth = Math.max(1, band * (bars.length > 40 ? 0.8 : 0.65));
  const every = labelEvery(bars.length, Math.floor(plotWidth / 56));
  const y = (value: number) => margin.top + plotHeight - (value / scale.max) * plotHeight;

  return (
    <svg
      role="img"
      aria-label={summary}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      className="block max-w-full overflow-visible"
    >
      {scale.ticks.map((tick) => (
        <g key={tick}>
          <line
            x1={margin.left}
            x2={width - margin.right}
            y1={y(tick)}
            y2={y(tick)}
            className={
              tick === 0 ? 'stroke-zinc-400 dark:stroke-zinc-600' : 'stroke-zinc-200 dark:stroke-zinc-800'
            }
            strokeWidth={1}
            shapeRendering="crispEdges"
          />
          <text
            x={margin.left - 6}
            y={y(tick)}
            dy="0.32em"
            textAnchor="end"
            className="fill-zinc-600 text-[11px] tabular-nums dark:fill-zinc-400"
          >
            {formatTick(tick)}
          </text>
        </g>
      ))}
      {bars.map((bar, index) => {
        const x = margin.left + index * band;
        const length = barLength(bar.value, scale, plotHeight);
        return (
          <g key={bar.key}>
            {/* The whole column takes the hover, so that a small bar has its tooltip too. */}
            <rect x={x} y={margin.top} width={band} height={plotHeight} className="fill-transparent">
              <title>{`${bar.label}: ${format(bar.value)}`}</title>
            </rect>
            <rect
              x={x + (band - barWidth) / 2}
              y={margin.top + plotHeight - length}
              width={barWidth}
              height={length}
              rx={Math.min(2, barWidth / 4)}
              className="pointer-events-none fill-teal-600 dark:fill-teal-400"
            />
            {(bars.length - 1 - index) % every === 0 && (
              <text
                x={x + band / 2}
                y={height - 6}
                textAnchor="middle"
                className="fill-zinc-600 text-[11px] dark:fill-zinc-400"
              >
                {bar.label}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
