import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/index.ts';

/** Which storage this run tests: `npm test` runs the suite once per lane (see scripts/test.js). */
export const lane: 'embedded' | 'postgres' =
  process.env['FIDUS_TEST_LANE'] === 'postgres' ? 'postgres' : 'embedded';

export interface TestDatabase {
  db: Database;
  /** The connection string of this test's own database (postgres lane only). */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the current lane, private to the caller and removed by `drop()`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (lane === 'postgres') return createPostgresDatabase();
  const db = await openDatabase({ loadDataDir: readFileSync(inject('pgliteTemplate')) });
  await db.migrate();
  return { db, drop: () => db.close() };
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const baseUrl = process.env['FIDUS_TEST_DATABASE_URL'];
  if (!baseUrl) throw new Error('FIDUS_TEST_DATABASE_URL must be set for the postgres lane');
  const name = `fidus_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), poolSize: 4 });
  await db.migrate();
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      const dropper = new pg.Client({ connectionString: baseUrl });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
