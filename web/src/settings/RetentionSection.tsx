import { useState, type FormEvent } from 'react';
import { api, queryClient } from '../api/instance.ts';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { ErrorNote, fieldError, FormError } from './ErrorNote.tsx';
import { chatSettingsKey, useChatSettings } from './queries.ts';
import { describeRetention, maxRetentionDays, minRetentionDays, parseRetention } from './retention.ts';
import { isAdmin } from './roles.ts';
import { Section, table } from './Section.tsx';
import type { ChatSettings } from './types.ts';

/** How long threads are kept (`/chat/settings`): everyone reads it, admins change it. */
export function RetentionSection() {
  const me = useMe();
  const settings = useChatSettings();
  return (
    <Section
      title="Retention"
      description="How long this workspace keeps its chat threads. A nightly job deletes the threads nobody has used for longer than this, with their messages; it cannot be undone."
    >
      {settings.isPending ? (
        <p className={table.muted}>Loading…</p>
      ) : settings.isError ? (
        <ErrorNote error={settings.error} />
      ) : isAdmin(me.data?.role) ? (
        // Starts from what the server has; a save updates the cache, which `saved` follows.
        <RetentionForm saved={settings.data.retentionDays} />
      ) : (
        <p className="text-sm" data-testid="retention-readonly">
          {describeRetention(settings.data.retentionDays)} Only admins and owners can change this.
        </p>
      )}
    </Section>
  );
}

function RetentionForm({ saved }: { saved: number | null }) {
  const [keep, setKeep] = useState<'forever' | 'days'>(saved === null ? 'forever' : 'days');
  const [days, setDays] = useState(String(saved ?? 365));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [inputError, setInputError] = useState<string | undefined>();
  const [done, setDone] = useState('');
  const daysError = inputError ?? fieldError(error, 'body.retentionDays');

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseRetention(keep, days);
    setInputError(parsed.error);
    setError(undefined);
    setDone('');
    if (parsed.error !== undefined) return;
    setBusy(true);
    try {
      const next = await api.json<ChatSettings>('/api/v1/chat/settings', {
        method: 'PUT',
        body: { retentionDays: parsed.value },
      });
      setDone(`Saved. ${describeRetention(next.retentionDays)}`);
      queryClient.setQueryData<ChatSettings>(chatSettingsKey, next);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const radio = 'h-4 w-4 accent-teal-700';
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-2 text-sm font-medium text-zinc-800 dark:text-zinc-200">Keep threads</legend>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name="retention"
            className={radio}
            checked={keep === 'forever'}
            onChange={() => setKeep('forever')}
            data-testid="retention-forever"
          />
          Forever (until someone deletes them)
        </label>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <input
            id="retention-days-choice"
            type="radio"
            name="retention"
            className={radio}
            checked={keep === 'days'}
            onChange={() => setKeep('days')}
            data-testid="retention-limited"
          />
          <label htmlFor="retention-days-choice">Delete threads without activity for</label>
          <input
            type="number"
            inputMode="numeric"
            min={minRetentionDays}
            max={maxRetentionDays}
            aria-label="Days without activity before a thread is deleted"
            aria-invalid={daysError ? true : undefined}
            aria-describedby={daysError ? 'retention-days-error' : undefined}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            onFocus={() => setKeep('days')}
            className="w-28 rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm text-zinc-900 outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 aria-invalid:border-red-600 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-100"
            data-testid="retention-days"
          />
          <span>days</span>
        </div>
        {daysError && keep === 'days' && (
          <p id="retention-days-error" className="text-xs text-red-700 dark:text-red-400">
            {daysError}
          </p>
        )}
      </fieldset>
      <p className={`text-sm ${table.muted}`} data-testid="retention-current">
        Now: {describeRetention(saved)}
      </p>
      <FormError error={error} fields={['body.retentionDays']} />
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={busy} data-testid="retention-save">
          {busy ? 'Saving…' : 'Save'}
        </Button>
        <p role="status" className="text-sm text-teal-800 dark:text-teal-300" data-testid="retention-saved">
          {done}
        </p>
      </div>
    </form>
  );
}
