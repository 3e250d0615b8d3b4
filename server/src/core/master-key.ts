import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, decodeKey, type Config } from './config.ts';

export const masterKeyFile = 'master.key';

/**
 * The vault master key: FIDUS_MASTER_KEY when set, otherwise (embedded mode only) a random key kept in the data
 * directory with mode 0600, created on first start.
 */
export function resolveMasterKey(config: Config): Buffer {
  if (config.masterKey) return config.masterKey;
  if (config.mode === 'server')
    throw new ConfigError('FIDUS_MASTER_KEY is required when DATABASE_URL is set');
  const file = path.join(config.dataDir, masterKeyFile);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(file, 0o600);
  const key = decodeKey(readFileSync(file, 'utf8'));
  if (!key) throw new ConfigError(`${file} does not hold a 32-byte base64 key; restore it or move it away`);
  return key;
}
