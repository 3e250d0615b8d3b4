import { eq, ne, sql } from 'drizzle-orm';
import type { MasterKeyring } from '../../core/index.ts';
import type { Database, Tx } from '../database.ts';
import { masterKeyId, open, seal, wrappingKey } from './crypto.ts';
import { vaultKeys } from './schema.ts';
import { randomBytes } from 'node:crypto';

interface Unwrapper {
  id: string;
  key: Buffer;
}

const wrapContext = (tenantId: string) => `vault-key:${tenantId}`;
const secretContext = (tenantId: string, purpose: string) => `secret:${tenantId}:${purpose}`;

/** Data keys kept unwrapped in memory at most; the oldest leaves first. */
const maxCachedKeys = 10_000;

/**
 * Envelope encryption of tenant secrets (provider API keys, later pseudonym maps): each tenant has a random data
 * key, stored wrapped by the master key (`vault_keys`); secrets are sealed with the data key and bound to their
 * tenant and purpose, so a value copied to another row or tenant does not open. A database dump holds no key
 * material that opens anything without the master key.
 */
export class Vault {
  readonly #current: Unwrapper;
  readonly #keyring: Map<string, Buffer>;
  readonly #dataKeys = new Map<string, Buffer>();

  constructor(keyring: MasterKeyring) {
    this.#current = { id: masterKeyId(keyring.current), key: wrappingKey(keyring.current) };
    this.#keyring = new Map(
      [keyring.current, ...keyring.previous].map((key) => [masterKeyId(key), wrappingKey(key)]),
    );
  }

  /** Seals a tenant's secret; `purpose` names where it is kept (e.g. `provider:<id>:apiKey`). Run in its tenant. */
  async encrypt(tx: Tx, tenantId: string, plaintext: string, purpose: string): Promise<string> {
    const dataKey = await this.#dataKey(tx, tenantId, true);
    return seal(dataKey!, Buffer.from(plaintext, 'utf8'), secretContext(tenantId, purpose));
  }

  /** Opens what `encrypt` sealed for the same tenant and purpose; throws for anything else. */
  async decrypt(tx: Tx, tenantId: string, sealed: string, purpose: string): Promise<string> {
    const dataKey = await this.#dataKey(tx, tenantId, false);
    if (!dataKey) throw new Error('this tenant has no vault key');
    return open(dataKey, sealed, secretContext(tenantId, purpose)).toString('utf8');
  }

  /**
   * Re-wraps every data key that another master key wrapped under the current one, in one transaction. Secrets
   * are untouched and data keys keep their value, so processes that hold them in memory read on undisturbed.
   */
  async rotate(db: Pick<Database, 'system'>): Promise<{ rewrapped: number; total: number }> {
    return db.system(async (tx) => {
      const [{ total } = { total: 0 }] = (await tx
        .select({ total: sql<number>`count(*)::int` })
        .from(vaultKeys)) as { total: number }[];
      const stale = await tx
        .select()
        .from(vaultKeys)
        .where(ne(vaultKeys.masterKeyId, this.#current.id))
        .for('update');
      const missing = stale.filter((row) => !this.#keyring.has(row.masterKeyId));
      if (missing.length > 0) {
        const ids = [...new Set(missing.map((row) => row.masterKeyId))].join(', ');
        throw new Error(
          `${missing.length} data key(s) are wrapped by master key(s) ${ids}, which this process does not hold: ` +
            'set FIDUS_MASTER_KEY_PREVIOUS to the old key',
        );
      }
      for (const row of stale) {
        const dataKey = open(this.#keyring.get(row.masterKeyId)!, row.wrappedKey, wrapContext(row.tenantId));
        await tx
          .update(vaultKeys)
          .set({
            masterKeyId: this.#current.id,
            wrappedKey: seal(this.#current.key, dataKey, wrapContext(row.tenantId)),
            rotatedAt: new Date(),
          })
          .where(eq(vaultKeys.tenantId, row.tenantId));
      }
      return { rewrapped: stale.length, total };
    });
  }

  async #dataKey(tx: Tx, tenantId: string, create: boolean): Promise<Buffer | undefined> {
    const cached = this.#dataKeys.get(tenantId);
    if (cached) return cached;
    let [row] = await tx.select().from(vaultKeys).where(eq(vaultKeys.tenantId, tenantId));
    if (!row && create) {
      const fresh = randomBytes(32);
      // Another process may create the tenant's key at the same moment: the first one stays.
      await tx
        .insert(vaultKeys)
        .values({
          tenantId,
          masterKeyId: this.#current.id,
          wrappedKey: seal(this.#current.key, fresh, wrapContext(tenantId)),
        })
        .onConflictDoNothing();
      [row] = await tx.select().from(vaultKeys).where(eq(vaultKeys.tenantId, tenantId));
    }
    if (!row) return undefined;
    const unwrapping = this.#keyring.get(row.masterKeyId);
    if (!unwrapping) {
      throw new Error(
        `the vault key of this tenant is wrapped by master key ${row.masterKeyId}, which this process does not hold`,
      );
    }
    const dataKey = open(unwrapping, row.wrappedKey, wrapContext(tenantId));
    if (this.#dataKeys.size >= maxCachedKeys) this.#dataKeys.delete(this.#dataKeys.keys().next().value!);
    this.#dataKeys.set(tenantId, dataKey);
    return dataKey;
  }
}
