import { sql } from 'drizzle-orm';
import { FidusError, isUuid, newId } from '../../core/index.ts';
import { queryRows, type Tx } from '../../db/index.ts';
import { eventRegistry, type EventDefinition, type EventPayloads, type InputOf } from './registry.ts';
import { events } from './schema.ts';

/** An event as stored by `emit`. */
export interface EmittedEvent {
  id: string;
  tenantId: string | null;
  type: string;
  payload: unknown;
}

/** What a committed transaction emitted, as far as the live path needs to know: whom and what to wake. */
export interface CommitNotice {
  tenantIds: (string | null)[];
  types: string[];
}

/**
 * Transactions opened by `EventHub.tenant`/`system`, and what was emitted in each: the hub announces it once the
 * transaction committed. Keyed by the transaction object, so nothing leaks when it is gone.
 */
const emittedIn = new WeakMap<Tx, { tenantIds: Set<string | null>; types: Set<string> }>();

/** Starts tracking `tx` (see EventHub); `collect` later says what it emitted. */
export function trackEmits(tx: Tx): () => CommitNotice | undefined {
  const emitted = { tenantIds: new Set<string | null>(), types: new Set<string>() };
  emittedIn.set(tx, emitted);
  return () =>
    emitted.types.size === 0 ? undefined : { tenantIds: [...emitted.tenantIds], types: [...emitted.types] };
}

/**
 * Writes an event into the caller's transaction (the transactional outbox): it exists if and only if the
 * transaction commits, together with the domain's own rows. The payload is checked against its type's schema
 * (FidusError `validation_failed` naming `payload.<field>`; an unknown type names `type`).
 *
 * `tenantId` null makes a system event, which no tenant sees: only a system transaction may write one, and a tenant
 * transaction only its own tenant's (row-level security).
 *
 * Live delivery: in a transaction of `EventHub.tenant`/`system`, followers hear of the event as soon as the
 * transaction commits; in any other transaction (or a nested one) they find it at their next poll (about a
 * second). Dispatch to handlers does not depend on it.
 */
export async function emit<D extends EventDefinition>(
  tx: Tx,
  tenantId: string | null,
  event: D,
  payload: InputOf<D>,
): Promise<EmittedEvent>;
export async function emit<K extends keyof EventPayloads>(
  tx: Tx,
  tenantId: string | null,
  type: K,
  payload: EventPayloads[K],
): Promise<EmittedEvent>;
export async function emit(
  tx: Tx,
  tenantId: string | null,
  event: string | EventDefinition,
  payload: unknown,
): Promise<EmittedEvent> {
  const parsed = eventRegistry.parse(event, payload);
  const type = typeof event === 'string' ? event : event.type;
  if (tenantId !== null && !isUuid(tenantId)) {
    throw new FidusError('validation_failed', 'The tenant of an event must be a UUID or null', {
      issues: [{ field: 'tenantId', message: 'must be a UUID or null' }],
    });
  }
  const id = newId();
  await tx.insert(events).values({ id, tenantId, type, payload: parsed ?? null });
  const emitted = emittedIn.get(tx);
  emitted?.tenantIds.add(tenantId);
  emitted?.types.add(type);
  return { id, tenantId, type, payload: parsed };
}

/** One event of `emitMany`. `id` defaults to a new UUIDv7; giving one makes a repeated emit a no-op. */
export interface NewEvent<D extends EventDefinition = EventDefinition> {
  id?: string;
  tenantId: string | null;
  event: D;
  payload: InputOf<D>;
}

/**
 * `emit` for many events in one statement (their payloads as one JSON parameter, as the request log does): for
 * writers of many events per transaction, such as a batch of the request log. Checks every payload first, then
 * inserts; an event whose id exists already is skipped, so a retried batch emits nothing twice. Returns the
 * events inserted.
 */
export async function emitMany(tx: Tx, batch: readonly NewEvent[]): Promise<EmittedEvent[]> {
  if (batch.length === 0) return [];
  const rows = batch.map((each) => {
    if (each.tenantId !== null && !isUuid(each.tenantId)) {
      throw new FidusError('validation_failed', 'The tenant of an event must be a UUID or null', {
        issues: [{ field: 'tenantId', message: 'must be a UUID or null' }],
      });
    }
    return {
      id: each.id ?? newId(),
      tenant_id: each.tenantId,
      type: each.event.type,
      payload: eventRegistry.parse(each.event, each.payload) ?? null,
    };
  });
  const inserted = await queryRows<{ id: string }>(
    tx,
    sql`insert into events (id, tenant_id, type, payload)
    select id, tenant_id, type, payload
    from json_to_recordset(${JSON.stringify(rows)}::json) as r(id uuid, tenant_id uuid, type text, payload jsonb)
    on conflict (id) do nothing
    returning id`,
  );
  const ids = new Set(inserted.map((row) => row.id));
  const emitted = rows.filter((row) => ids.has(row.id));
  const tracked = emittedIn.get(tx);
  for (const row of emitted) {
    tracked?.tenantIds.add(row.tenant_id);
    tracked?.types.add(row.type);
  }
  return emitted.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    payload: row.payload,
  }));
}
