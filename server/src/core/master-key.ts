import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, decodeKey, type Config } from './config.ts';

export const masterKeyFile = 'master.key';
/** The key an embedded rotation moves to, written before any data key is re-wrapped under it. */
export const nextMasterKeyFile = 'master.key.next';

/** The master keys a process holds: it wraps with `current` and unwraps with any of them. */
export interface MasterKeyring {
  current: Buffer;
  previous: Buffer[];
}

function readKeyFile(file: string): Buffer {
  const key = decodeKey(readFileSync(file, 'utf8'));
  if (!key) throw new ConfigError(`${file} does not hold a 32-byte base64 key; restore it or move it away`);
  return key;
}

/** Creates the file with a random key unless it exists (mode 0600), and reads it. */
function ensureKeyFile(dir: string, name: string): Buffer {
  const file = path.join(dir, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(file, 0o600);
  return readKeyFile(file);
}

/**
 * The vault master key: FIDUS_MASTER_KEY when set, otherwise (embedded mode only) a random key kept in the data
 * directory with mode 0600, created on first start.
 */
export function resolveMasterKey(config: Config): Buffer {
  if (config.masterKey) return config.masterKey;
  if (config.mode === 'server')
    throw new ConfigError('FIDUS_MASTER_KEY is required when DATABASE_URL is set');
  return ensureKeyFile(config.dataDir, masterKeyFile);
}

/**
 * The current master key and those that may still have wrapped data keys: FIDUS_MASTER_KEY_PREVIOUS, and in
 * embedded mode the key of a rotation that was interrupted (`master.key.next`).
 */
export function resolveMasterKeyring(config: Config): MasterKeyring {
  const current = resolveMasterKey(config);
  const previous = [...config.previousMasterKeys];
  const next = path.join(config.dataDir, nextMasterKeyFile);
  if (!config.masterKey && existsSync(next)) previous.push(readKeyFile(next));
  return { current, previous };
}

/**
 * Embedded mode's rotation, in three crash-safe steps: this creates (or, after an interrupted rotation, reuses)
 * the next key in its own file; the caller re-wraps every data key under it; `finishFileRotation` makes it the
 * master key. A crash in between leaves both files, and the keyring accepts both.
 */
export function beginFileRotation(dataDir: string): Buffer {
  return ensureKeyFile(dataDir, nextMasterKeyFile);
}

export function finishFileRotation(dataDir: string): void {
  renameSync(path.join(dataDir, nextMasterKeyFile), path.join(dataDir, masterKeyFile));
}
