// Where `npm start`'s type-stripped copy of the server lives (written by scripts/build-server.js), and whether it is
// current: a fingerprint of every source file's path, size and mtime (and every folder's, so that a deleted or
// renamed file counts), kept in `server/dist/.built`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const sourceFolder = new URL('../src/', import.meta.url);
export const distFolder = new URL('../dist/', import.meta.url);
export const stampFile = fileURLToPath(new URL('.built', distFolder));

/** The sources' fingerprint now. */
export function sourceFingerprint() {
  const hash = createHash('sha256');
  const root = fileURLToPath(sourceFolder);
  /** @param {string} folder */
  const walk = (folder) => {
    const status = statSync(path.join(root, folder));
    hash.update(`${folder}/ ${status.mtimeMs}\n`);
    for (const entry of readdirSync(path.join(root, folder), { withFileTypes: true })) {
      const relative = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(relative);
      else {
        const file = statSync(path.join(root, relative));
        hash.update(`${relative} ${file.size} ${file.mtimeMs}\n`);
      }
    }
  };
  walk('.');
  return hash.digest('hex');
}

/** The fingerprint `server/dist/` was written from, or undefined when there is none. */
export function builtFingerprint() {
  try {
    return readFileSync(stampFile, 'utf8');
  } catch {
    return undefined;
  }
}
