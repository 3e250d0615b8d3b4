import { eq, sql } from 'drizzle-orm';
import type { Database, Tx, Vault } from '../../db/index.ts';
import { emptyMapping, type PseudonymMap } from '../../privacy/index.ts';
import { chatSchema } from '../chat/index.ts';
import { threadPseudonyms } from './schema.ts';

/** Binds the sealed text to its thread: copied to another thread's row (or tenant), it does not open. */
const purposeOf = (threadId: string) => `thread:${threadId}:pseudonyms`;

/** SQLSTATE 23503 on the error or its cause (drizzle wraps driver errors). */
const isForeignKeyViolation = (error: unknown): boolean =>
  (error as { code?: unknown })?.code === '23503' ||
  (error as { cause?: { code?: unknown } })?.cause?.code === '23503';

/** A thread's placeholders inside a tenant transaction the caller holds; an empty mapping if it has none yet. */
export async function loadThreadMappingIn(
  tx: Tx,
  vault: Vault,
  tenantId: string,
  threadId: string,
): Promise<PseudonymMap> {
  const [row] = await tx
    .select({ sealed: threadPseudonyms.sealed })
    .from(threadPseudonyms)
    .where(eq(threadPseudonyms.threadId, threadId));
  if (!row) return emptyMapping();
  const parsed = JSON.parse(
    await vault.decrypt(tx, tenantId, row.sealed, purposeOf(threadId)),
  ) as PseudonymMap;
  return { values: { ...parsed.values } };
}

/**
 * Stores a thread's placeholders, sealed, inside a tenant transaction the caller holds (replacing what was).
 * Nothing is stored for a thread the tenant does not have: the foreign key's check ignores row-level security,
 * and a row under another tenant's thread id would stand in that tenant's way.
 */
export async function saveThreadMappingIn(
  tx: Tx,
  vault: Vault,
  tenantId: string,
  threadId: string,
  mapping: PseudonymMap,
): Promise<void> {
  const [thread] = await tx
    .select({ id: chatSchema.threads.id })
    .from(chatSchema.threads)
    .where(eq(chatSchema.threads.id, threadId));
  if (!thread) return;
  const sealed = await vault.encrypt(tx, tenantId, JSON.stringify(mapping), purposeOf(threadId));
  await tx
    .insert(threadPseudonyms)
    .values({ threadId, tenantId, sealed })
    .onConflictDoUpdate({ target: threadPseudonyms.threadId, set: { sealed, updatedAt: sql`now()` } });
}

/**
 * A thread's placeholders (`<PERSON_1>` → the value), opened by the vault; an empty mapping if the thread has
 * none yet (or does not exist in the tenant: row-level security hides other tenants' rows).
 */
export function loadThreadMapping(
  db: Database,
  vault: Vault,
  tenantId: string,
  threadId: string,
): Promise<PseudonymMap> {
  return db.tenant(tenantId, (tx) => loadThreadMappingIn(tx, vault, tenantId, threadId));
}

/**
 * Stores a thread's placeholders sealed by the vault, replacing what was stored. The row goes with the thread
 * (foreign key, on delete cascade); a thread deleted meanwhile (or not the tenant's) has nothing to save, so
 * that is no error.
 */
export async function saveThreadMapping(
  db: Database,
  vault: Vault,
  tenantId: string,
  threadId: string,
  mapping: PseudonymMap,
): Promise<void> {
  try {
    await db.tenant(tenantId, (tx) => saveThreadMappingIn(tx, vault, tenantId, threadId, mapping));
  } catch (error) {
    if (!isForeignKeyViolation(error)) throw error;
  }
}
