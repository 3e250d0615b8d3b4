import { useEffect, useState } from 'react';
import { queryClient } from '../api/instance.ts';
import { applyRunEvent, followRun, isEnded } from './run-stream.ts';
import { openRunEvents, runKey } from './queries.ts';
import type { RunWithSteps } from './types.ts';

/** How the page hears about the run: live, reconnecting after a drop, given up (Reconnect), or nothing to follow. */
export type LiveStatus =
  | { kind: 'idle' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; attempt: number }
  | { kind: 'lost'; error: unknown };

/**
 * Follows a run's events into the query cache while it has not ended. Starts from the revision of the snapshot
 * held, so the stream sends only what came after it; `restart` follows again after a lost connection.
 */
export function useRunFollow(runId: string, run: RunWithSteps | undefined) {
  const [status, setStatus] = useState<LiveStatus>({ kind: 'idle' });
  const [generation, setGeneration] = useState(0);
  const follow = run !== undefined && !isEnded(run.state);

  useEffect(() => {
    if (!follow) {
      setStatus({ kind: 'idle' });
      return;
    }
    const controller = new AbortController();
    const held = queryClient.getQueryData<RunWithSteps>(runKey(runId));
    setStatus({ kind: 'live' });
    followRun({
      open: openRunEvents(runId),
      lastEventId: held ? String(held.revision) : undefined,
      signal: controller.signal,
      onEvent(event) {
        const before = queryClient.getQueryData<RunWithSteps>(runKey(runId));
        queryClient.setQueryData<RunWithSteps>(runKey(runId), (current) =>
          current ? applyRunEvent(current, event) : current,
        );
        // A new state shows in the lists too (the agent's runs, the sidebar's count of runs waiting).
        if (event.type === 'run' && before && before.state !== event.run.state) {
          void queryClient.invalidateQueries({ queryKey: ['runs', 'list'] });
        }
        setStatus((status) => (status.kind === 'live' ? status : { kind: 'live' }));
      },
      onReconnecting: (attempt) => setStatus({ kind: 'reconnecting', attempt }),
    }).then(
      (outcome) => {
        if (outcome.kind === 'ended') setStatus({ kind: 'idle' });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setStatus({ kind: 'lost', error });
      },
    );
    return () => controller.abort();
  }, [runId, follow, generation]);

  return { status, restart: () => setGeneration((n) => n + 1) };
}
