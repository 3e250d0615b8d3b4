import { periods, type Period } from './period.ts';

/** 7, 30 or 90 days: radio buttons drawn as a segmented control. */
export function PeriodPicker({ value, onChange }: { value: Period; onChange(period: Period): void }) {
  return (
    <fieldset data-testid="usage-period">
      <legend className="sr-only">Period</legend>
      <div className="inline-flex rounded-md border border-zinc-300 p-0.5 dark:border-zinc-700">
        {periods.map((period) => (
          <label
            key={period}
            className="cursor-pointer rounded px-3 py-1 text-sm text-zinc-700 has-checked:bg-teal-700 has-checked:text-white has-focus-visible:outline-2 has-focus-visible:outline-teal-600 dark:text-zinc-300 dark:has-checked:bg-teal-700"
          >
            <input
              type="radio"
              name="usage-period"
              value={period}
              checked={value === period}
              onChange={() => onChange(period)}
              className="sr-only"
              data-testid={`usage-period-${period}`}
            />
            {period} days
          </label>
        ))}
      </div>
    </fieldset>
  );
}
