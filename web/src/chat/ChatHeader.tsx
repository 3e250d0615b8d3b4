import type { Totals } from '../api/types.ts';
import { threadTotal } from './format.ts';
import { PageHeader } from '../ui/PageHeader.tsx';
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
    <PageHeader title={<span data-testid="thread-title">{title}</span>} onOpenMenu={onOpenMenu}>
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
    </PageHeader>
  );
}
