import { protectedSummary } from './format.ts';

/** "3 items protected": what the privacy proxy replaced before a cloud model saw the conversation (types only). */
export function ProtectedNote({ counts }: { counts: Record<string, number> }) {
  const summary = protectedSummary(counts);
  if (!summary) return null;
  return (
    <span
      data-testid="answer-protected"
      title={summary.detail}
      aria-label={`${summary.label}: ${summary.detail}`}
    >
      🛡 {summary.label}
    </span>
  );
}
