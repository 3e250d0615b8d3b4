import { useMemo, useState, type ReactNode } from 'react';
import { useMe } from '../threads/queries.ts';
import { PageHeader } from '../ui/PageHeader.tsx';
import { BarChart } from './BarChart.tsx';
import { BreakdownChart } from './BreakdownChart.tsx';
import { ChartFigure } from './ChartFigure.tsx';
import {
  chartSummary,
  formatCompact,
  formatCost,
  formatCostTick,
  formatDay,
  formatInteger,
  modelLabel,
} from './format.ts';
import { PeriodPicker } from './PeriodPicker.tsx';
import { fillDays, lastDays, totalsOf, windowOf, type Period } from './period.ts';
import { useUsage } from './queries.ts';
import { TopThreads } from './TopThreads.tsx';
import type { UsageRow } from './types.ts';

/** `/usage`: cost and tokens per day and per model over 7, 30 or 90 days, and the dearest threads. */
export function UsagePage({ onOpenMenu }: { onOpenMenu(): void }) {
  const [period, setPeriod] = useState<Period>(30);
  // The days are fixed when the period is chosen (a page left open past midnight keeps its window until then).
  const days = useMemo(() => lastDays(period, new Date()), [period]);
  const range = windowOf(days);
  const byDay = useUsage('day', range);
  const byModel = useUsage('model', range);
  const me = useMe();
  const everyone = me.data?.role === 'owner' || me.data?.role === 'admin';

  return (
    <>
      <PageHeader title="Usage" onOpenMenu={onOpenMenu} />
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-6 md:px-8">
        <div className="mx-auto flex max-w-5xl flex-col gap-6">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              {everyone ? 'Everyone’s requests in this workspace' : 'Your own requests'} (chat and API), from{' '}
              {formatDay(days[0]!)} to {formatDay(days[days.length - 1]!)}. Days are UTC.
            </p>
            <PeriodPicker value={period} onChange={setPeriod} />
          </div>
          {byDay.isPending || byModel.isPending ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading usage…</p>
          ) : byDay.isError || byModel.isError ? (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400" data-testid="usage-error">
              Usage could not be loaded: {(byDay.error ?? byModel.error)?.message}
            </p>
          ) : (
            <Report days={days} dayRows={byDay.data.data} modelRows={byModel.data.data} period={period} />
          )}
          <TopThreads since={`${days[0]}T00:00:00.000Z`} days={period} />
        </div>
      </div>
    </>
  );
}

function Report({
  days,
  dayRows,
  modelRows,
  period,
}: {
  days: string[];
  dayRows: UsageRow[];
  modelRows: UsageRow[];
  period: Period;
}) {
  const totals = totalsOf(dayRows);
  if (totals.requests === 0) {
    return (
      <div
        data-testid="usage-empty"
        className="rounded-lg border border-dashed border-zinc-300 p-8 text-center dark:border-zinc-700"
      >
        <h2 className="font-medium">Nothing used in the last {period} days</h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Costs and tokens show here once there are chats or API requests. Total spend: {formatCost(0)}.
        </p>
      </div>
    );
  }
  const daily = fillDays(dayRows, days);
  const costBars = daily.map((d) => ({ key: d.day, label: formatDay(d.day), value: d.costUsd }));
  const tokenBars = daily.map((d) => ({ key: d.day, label: formatDay(d.day), value: d.tokens }));
  const models = modelRows.map((row) => ({
    key: row.group ?? '',
    label: modelLabel(row.group),
    cost: row.costUsd ?? 0,
    tokens: row.inputTokens + row.outputTokens,
    row,
  }));
  const tokensLabel = (n: number) => `${formatInteger(n)} tokens`;
  const dayTable = {
    columns: ['Day', 'Requests', 'Input tokens', 'Output tokens', 'Cost'],
    rows: daily.map((d) => ({
      key: d.day,
      cells: [
        d.day,
        formatInteger(d.requests),
        formatInteger(d.inputTokens),
        formatInteger(d.outputTokens),
        `${formatCost(d.costUsd)}${d.unpricedRequests ? ` (+${d.unpricedRequests} unpriced)` : ''}`,
      ],
    })),
  };
  const modelTable = {
    columns: ['Model', 'Requests', 'Input tokens', 'Output tokens', 'Cost'],
    rows: models.map((m) => ({
      key: m.key,
      cells: [
        m.label,
        formatInteger(m.row.requests),
        formatInteger(m.row.inputTokens),
        formatInteger(m.row.outputTokens),
        m.row.costUsd === null ? 'unknown' : formatCost(m.row.costUsd),
      ],
    })),
  };

  return (
    <>
      <h2 className="sr-only">Summary</h2>
      <dl className="grid gap-3 sm:grid-cols-3">
        <Figure
          label="Total spend"
          testId="usage-total-cost"
          value={formatCost(totals.costUsd)}
          note={
            totals.unpricedRequests > 0 &&
            `and ${formatInteger(totals.unpricedRequests)} request${totals.unpricedRequests === 1 ? '' : 's'} of unknown price`
          }
        />
        <Figure
          label="Tokens"
          testId="usage-total-tokens"
          value={formatInteger(totals.inputTokens + totals.outputTokens)}
          note={`${formatInteger(totals.inputTokens)} in, ${formatInteger(totals.outputTokens)} out`}
        />
        <Figure
          label="Requests"
          testId="usage-total-requests"
          value={formatInteger(totals.requests)}
          note={totals.errors > 0 && `${formatInteger(totals.errors)} failed`}
        />
      </dl>

      <h2 className="sr-only">Per day</h2>
      <div className="grid gap-4 lg:grid-cols-2">
        <ChartFigure title="Cost per day" table={dayTable} testId="usage-chart-cost">
          {(width) => (
            <BarChart
              bars={costBars}
              width={width}
              format={formatCost}
              formatTick={formatCostTick}
              summary={chartSummary(`Cost per day, last ${period} days`, costBars, formatCost, 'day')}
            />
          )}
        </ChartFigure>
        <ChartFigure title="Tokens per day" table={dayTable} testId="usage-chart-tokens">
          {(width) => (
            <BarChart
              bars={tokenBars}
              width={width}
              format={tokensLabel}
              formatTick={formatCompact}
              summary={chartSummary(`Tokens per day, last ${period} days`, tokenBars, tokensLabel, 'day')}
            />
          )}
        </ChartFigure>
      </div>

      <h2 className="sr-only">Per model</h2>
      <div className="grid gap-4 lg:grid-cols-2">
        <ChartFigure title="Cost by model" table={modelTable} testId="usage-chart-model-cost">
          {(width) => {
            const rows = models.map((m) => ({
              key: m.key,
              label: m.label,
              value: m.cost,
              ...(m.row.costUsd === null ? { text: 'unknown price' } : {}),
            }));
            return (
              <BreakdownChart
                rows={rows}
                width={width}
                format={formatCost}
                summary={chartSummary('Cost by model', rows, formatCost, 'model')}
              />
            );
          }}
        </ChartFigure>
        <ChartFigure title="Tokens by model" table={modelTable} testId="usage-chart-model-tokens">
          {(width) => {
            const rows = models
              .map((m) => ({ key: m.key, label: m.label, value: m.tokens }))
              .sort((a, b) => b.value - a.value);
            return (
              <BreakdownChart
                rows={rows}
                width={width}
                format={formatCompact}
                summary={chartSummary('Tokens by model', rows, tokensLabel, 'model')}
              />
            );
          }}
        </ChartFigure>
      </div>
    </>
  );
}

function Figure({
  label,
  testId,
  value,
  note,
}: {
  label: string;
  testId: string;
  value: string;
  note?: ReactNode;
}) {
  return (
    <div className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
      <dt className="text-sm text-zinc-600 dark:text-zinc-400">{label}</dt>
      <dd className="mt-1">
        <span className="text-2xl font-semibold tabular-nums" data-testid={testId}>
          {value}
        </span>
        {note && <span className="block text-xs text-zinc-600 dark:text-zinc-400">{note}</span>}
      </dd>
    </div>
  );
}
