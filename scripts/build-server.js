#!/usr/bin/env node
// `npm start` runs this first: it writes the server's sources without their types to `server/dist/` (the same tree
// as `server/src/`, tests left out, relative `.ts` specifiers made `.js`), so that the server process and its
// database thread run plain JavaScript and never load Node's type stripper (~17 MB per isolate; see
// docs/operations.md). Nothing is compiled: Node's own `stripTypeScriptTypes` replaces the types with blanks, so
// every line and column stays where it was. `server/dist/.built` records the sources' fingerprint; when it is current
// the script does nothing. `server/bin/fidus.js` runs `server/dist/` only while it is current, else the
// TypeScript sources.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  builtFingerprint,
  distFolder,
  sourceFingerprint,
  sourceFolder,
  stampFile,
} from '../server/bin/dist.js';

const sources = fileURLToPath(sourceFolder);
const dist = fileURLToPath(distFolder);
const fingerprint = sourceFingerprint();
/** A relative specifier of a `.ts` module: in an import, an export-from, a dynamic import or `new URL()`. */
const relativeTs = /(\bfrom\s*|\bimport\s*\(\s*|\bnew URL\(\s*)(['"])(\.{1,2}\/[^'"]*)\.ts\2/g;

if (builtFingerprint() !== fingerprint) {
  // The API is marked experimental in Node 24; its warning would only confuse `npm start`'s output.
  process.removeAllListeners('warning');
  rmSync(dist, { recursive: true, force: true });
  let files = 0;
  /** @param {string} folder */
  const write = (folder) => {
    for (const entry of readdirSync(path.join(sources, folder), { withFileTypes: true })) {
      const relative = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        write(relative);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const code = module.stripTypeScriptTypes(readFileSync(path.join(sources, relative), 'utf8'));
        const target = path.join(dist, relative.replace(/\.ts$/, '.js'));
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(
          target,
          code.replace(relativeTs, (_, lead, quote, specifier) => `${lead}${quote}${specifier}.js${quote}`),
        );
        files++;
      }
    }
  };
  write('.');
  writeFileSync(stampFile, fingerprint);
  console.log(`fidus: ${files} server modules written to server/dist without their types`);
}
