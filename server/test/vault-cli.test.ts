import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../src/core/index.ts';
import { openDatabase, Vault, type Database } from '../src/db/index.ts';
import { createTestDatabase, lane } from './support/database.ts';

const bin = fileURLToPath(new URL('../bin/fidus.js', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fidus(args: string[], extra: NodeJS.ProcessEnv) {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  for (const name of [
    'DATABASE_URL',
    'REDIS_URL',
    'FIDUS_MASTER_KEY',
    'FIDUS_MASTER_KEY_PREVIOUS',
    'FIDUS_CONFIG',
  ]) {
    if (!(name in extra)) delete env[name];
  }
  return spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });
}

/** A tenant with one sealed secret, as the providers API leaves it. */
async function sealSecret(db: Database, masterKey: Buffer): Promise<{ tenantId: string; sealed: string }> {
  const tenantId = newId();
  await db.system((tx) => tx.execute(sql`insert into tenants (id, name) values (${tenantId}, 'vault test')`));
  const sealed = await db.tenant(tenantId, (tx) =>
    new Vault({ current: masterKey, previous: [] }).encrypt(tx, tenantId, 'sk-the-secret', 'test'),
  );
  return { tenantId, sealed };
}

const opens = (db: Database, masterKey: Buffer, secret: { tenantId: string; sealed: string }) =>
  db.tenant(secret.tenantId, (tx) =>
    new Vault({ current: masterKey, previous: [] }).decrypt(tx, secret.tenantId, secret.sealed, 'test'),
  );

describe(`fidus vault rotate (${lane})`, () => {
  it(
    lane === 'embedded'
      ? 'makes a new master.key, re-wraps every data key under it; the old key opens nothing'
      : 're-wraps every data key under FIDUS_MASTER_KEY with FIDUS_MASTER_KEY_PREVIOUS; the old key opens nothing',
    async () => {
      if (lane === 'embedded') {
        const dataDir = mkdtempSync(path.join(tmpdir(), 'fidus-vault-'));
        dirs.push(dataDir);
        const env = { FIDUS_DATA_DIR: dataDir };
        expect(fidus(['migrate'], env).status).toBe(0);
        // The key file is made on first need, as `serve` does.
        const keyFile = path.join(dataDir, 'master.key');
        const { resolveMasterKey, loadConfig } = await import('../src/core/index.ts');
        const oldKey = resolveMasterKey(loadConfig({ FIDUS_DATA_DIR: dataDir }));
        const open = () => openDatabase({ dataDir });
        const db = await open();
        const secret = await sealSecret(db, oldKey);
        await db.close();
        const result = fidus(['vault', 'rotate'], env);
        expect(result.stderr).toBe('');
        expect(result.stdout).toMatch(/re-wrapped 1 of 1 data keys/);
        const newKey = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
        expect(newKey.equals(oldKey)).toBe(false);
        expect(existsSync(path.join(dataDir, 'master.key.next'))).toBe(false);
        const reopened = await open();
        try {
          expect(await opens(reopened, newKey, secret)).toBe('sk-the-secret');
          await expect(opens(reopened, oldKey, secret)).rejects.toThrow(/master key/);
        } finally {
          await reopened.close();
        }
        return;
      }
      const database = await createTestDatabase();
      try {
        const oldKey = randomBytes(32);
        const newKey = randomBytes(32);
        const secret = await sealSecret(database.db, oldKey);
        const env = { DATABASE_URL: database.url! };
        const unknown = fidus(['vault', 'rotate'], { ...env, FIDUS_MASTER_KEY: newKey.toString('base64') });
        expect(unknown.status).toBe(1);
        expect(unknown.stderr).toMatch(/FIDUS_MASTER_KEY_PREVIOUS/);
        const result = fidus(['vault', 'rotate'], {
          ...env,
          FIDUS_MASTER_KEY: newKey.toString('base64'),
          FIDUS_MASTER_KEY_PREVIOUS: oldKey.toString('base64'),
        });
        expect(result.stderr).toBe('');
        expect(result.stdout).toMatch(/re-wrapped 1 of 1 data keys/);
        expect(await opens(database.db, newKey, secret)).toBe('sk-the-secret');
        await expect(opens(database.db, oldKey, secret)).rejects.toThrow(/master key/);
      } finally {
        await database.drop();
      }
    },
    120_000,
  );
});
