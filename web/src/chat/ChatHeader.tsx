import type { Totals } from '../api/types.ts';
import { threadTotal } from './format.ts';
import { ModelPicker } from './ModelPicker.tsx';

export function ChatHeader({
  title,
  model,
  onModel,
  totals,
  onOpenMenu,
  disabled,
}: {
  title: string;
  model: string | null;
  onModel(model: string | null): void;
  totals?: Totals | undefined;
  onOpenMenu(): void;
  disabled?: boolean;
}) {
  return (
    <header className="flex items-center gap-2 border-b border-zinc-200 px-3 py-2 dark:border-zinc-800">
      <button
        type="button"
        className="rounded-md p-2 text-zinc-600 hover:bg-zinc-100 md:hidden dark:text-zinc-300 dark:hover:bg-zinc-800"
        onClick={onOpenMenu}
        aria-label="Open the thread list"
      >
        ☰
      </button>
      <h1 className="min-w-0 flex-1 truncate font-medium" data-testid="thread-title">
        {title}
      </h1>
      {totals && (totals.inputTokens > 0 || totals.outputTokens > 0) && (
        <span
          className="hidden text-xs text-zinc-500 sm:inline dark:text-zinc-400"
          data-testid="thread-total"
          title="This thread in total"
        >
          {threadTotal(totals)}
        </span>
      )}
      <ModelPicker value={model} onChange={onModel} disabled={disabled ?? false} />
    </header>
  );
}
