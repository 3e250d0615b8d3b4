import { useId, type ReactNode } from 'react';
import { useWidth } from './useWidth.ts';

export interface DataTable {
  columns: string[];
  rows: { key: string; cells: ReactNode[] }[];
}

/**
 * A chart with its heading, and the same data as a table under "Show as a table" for those who cannot see it (the
 * SVG itself is one image with a one-sentence summary).
 */
export function ChartFigure({
  title,
  table,
  testId,
  children,
}: {
  title: string;
  table: DataTable;
  testId: string;
  children(width: number): ReactNode;
}) {
  const id = useId();
  const [ref, width] = useWidth<HTMLDivElement>();
  return (
    <section
      aria-labelledby={id}
      className="flex min-w-0 flex-col gap-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
      data-testid={testId}
    >
      <h3 id={id} className="font-medium">
        {title}
      </h3>
      <div ref={ref} className="min-w-0">
        {children(width)}
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer text-teal-800 hover:underline dark:text-teal-300">
          Show as a table
        </summary>
        <div
          className="relative mt-2 max-h-80 overflow-auto rounded-md border border-zinc-200 dark:border-zinc-800"
          tabIndex={0}
        >
          <table className="w-full border-collapse text-left text-sm" data-testid={`${testId}-table`}>
            <caption className="sr-only">{title}</caption>
            <thead className="sticky top-0 bg-zinc-50 text-xs text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
              <tr>
                {table.columns.map((column, index) => (
                  <th
                    key={column}
                    scope="col"
                    className={`px-3 py-1.5 font-medium ${index ? 'text-right' : ''}`}
                  >
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row) => (
                <tr key={row.key} className="border-t border-zinc-200 dark:border-zinc-800">
                  {row.cells.map((cell, index) =>
                    index ? (
                      <td key={index} className="px-3 py-1.5 text-right tabular-nums">
                        {cell}
                      </td>
                    ) : (
                      <th key={index} scope="row" className="px-3 py-1.5 font-normal whitespace-nowrap">
                        {cell}
                      </th>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
