import { barLength, type Scale } from './scale.ts';

export interface Row {
  key: string;
  label: string;
  value: number;
  /** Written at the bar's end instead of the formatted value (say, "unknown price"). */
  text?: string;
}

const rowHeight = 28;
const valueRoom = 76;

/** Horizontal bars, one row per entry (a model), the label on the left and the value at the bar's end. */
export function BreakdownChart({
  rows,
  width,
  summary,
  format,
}: {
  rows: Row[];
  width: number;
  summary: string;
  format(value: number): string;
}) {
  const labelWidth = Math.min(200, Math.max(90, Math.round(width * 0.38)));
  const plotWidth = Math.max(1, width - labelWidth - valueRoom);
  // No axis: the longest bar fills the row.
  const scale: Scale = { max: Math.max(...rows.map((r) => r.value), 0) || 1, ticks: [] };
  const height = Math.max(1, rows.length) * rowHeight + 4;
  // A 12 px monospace character is about 7.2 px wide: longer names are cut, whole in the tooltip and the table.
  const maxChars = Math.max(6, Math.floor((labelWidth - 12) / 7.3));
  const cut = (text: string) => (text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text);

  return (
    <svg
      role="img"
      aria-label={summary}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      className="block max-w-full"
    >
      {rows.map((row, index) => {
        const top = index * rowHeight + 2;
        const length = barLength(row.value, scale, plotWidth, row.value > 0 ? 2 : 0);
        return (
          <g key={row.key}>
            <title>{`${row.label}: ${row.text ?? format(row.value)}`}</title>
            <text
              x={labelWidth - 10}
              y={top + rowHeight / 2}
              dy="0.32em"
              textAnchor="end"
              className="fill-zinc-700 font-mono text-[12px] dark:fill-zinc-300"
            >
              {cut(row.label)}
            </text>
            <rect
              x={labelWidth}
              y={top + 5}
              width={plotWidth}
              height={rowHeight - 10}
              rx={2}
              className="fill-zinc-100 dark:fill-zinc-900"
            />
            <rect
              x={labelWidth}
              y={top + 5}
              width={length}
              height={rowHeight - 10}
              rx={2}
              className="fill-teal-600 dark:fill-teal-400"
            />
            <text
              x={labelWidth + length + 6}
              y={top + rowHeight / 2}
              dy="0.32em"
              className="fill-zinc-700 text-[12px] tabular-nums dark:fill-zinc-300"
            >
              {row.text ?? format(row.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
