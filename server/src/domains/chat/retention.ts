import { and, eq, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import type { Queue } from '../../jobs/index.ts';
import { chatSettings, threads } from './schema.ts';

export const retentionJobType = 'chat.retention';
/** Every day at 03:17 UTC (off the hour, when fewer schedules fire). */
export const retentionCron = '17 3 * * *';

export const ChatSettingsSchema = z.object({
  retentionDays: z
    .number()
    .int()
    .nullable()
    .describe('Threads without activity for this many days are deleted every night; null keeps them'),
});
export const ChatSettingsPut = z.strictObject({
  retentionDays: z.number().int().min(1).max(36_500).nullable(),
});

export async function readSettings(db: Database, tenantId: string) {
  const [row] = await db.tenant(tenantId, (tx) =>
    tx.select({ retentionDays: chatSettings.retentionDays }).from(chatSettings),
  );
  return { retentionDays: row?.retentionDays ?? null };
}

export async function writeSettings(db: Database, tenantId: string, retentionDays: number | null) {
  await db.tenant(tenantId, (tx) =>
    tx
      .insert(chatSettings)
      .values({ tenantId, retentionDays })
      .onConflictDoUpdate({ target: chatSettings.tenantId, set: { retentionDays, updatedAt: new Date() } }),
  );
  return { retentionDays };
}

export interface PurgeResult {
  tenants: number;
  threads: number;
}

/**
 * Deletes, in every tenant with a retention period, the threads whose last activity is older than it (their
 * messages go with them). Runs as the owner, one tenant per transaction; `now` is for tests.
 */
export async function purgeExpired(db: Database, now = new Date()): Promise<PurgeResult> {
  const tenants = await db.system((tx) =>
    tx
      .select({ tenantId: chatSettings.tenantId, days: chatSettings.retentionDays })
      .from(chatSettings)
      .where(sql`${chatSettings.retentionDays} is not null`),
  );
  let deleted = 0;
  for (const { tenantId, days } of tenants) {
    const cutoff = new Date(now.getTime() - days! * 86_400_000);
    const rows = await db.system((tx) =>
      tx
        .delete(threads)
        .where(and(eq(threads.tenantId, tenantId), lt(threads.lastActivityAt, cutoff)))
        .returning({ id: threads.id }),
    );
    deleted += rows.length;
  }
  return { tenants: tenants.length, threads: deleted };
}

/** The nightly purge as a scheduled job (fires once per tick across processes). */
export async function scheduleRetention(queue: Queue, db: Database, onPurged: (result: PurgeResult) => void) {
  queue.define({
    type: retentionJobType,
    payload: z.strictObject({}),
    async run() {
      onPurged(await purgeExpired(db));
    },
  });
  await queue.schedule({ name: retentionJobType, cron: retentionCron, type: retentionJobType, payload: {} });
}
