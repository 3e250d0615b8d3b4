import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// `npm run dev:web` proxies the API to a `fidus serve` on the default port.
const api = process.env.FIDUS_API_URL ?? 'http://127.0.0.1:3000';

/**
 * Writes `.br` and `.gz` beside each hashed asset, which `fidus serve` sends to browsers that accept them
 * (@fastify/static's `preCompressed`): the server never compresses on the fly.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'fidus-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir, config.build.assetsDir);
    },
    async closeBundle() {
      const files = await readdir(outDir).catch(() => []);
      await Promise.all(
        files
          .filter((name) => /\.(js|css|svg|json)$/.test(name))
          .map(async (name) => {
            const file = path.join(outDir, name);
            const content = await readFile(file);
            if (content.length < 1024) return;
            const br = await promisify(brotliCompress)(content, {
              params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
            });
            const gz = await promisify(gzip)(content, { level: 9 });
            await writeFile(`${file}.br`, br);
            await writeFile(`${file}.gz`, gz);
          }),
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), tailwindcss(), precompress()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // Browsers of the last two years; the app uses nothing older needs polyfilling.
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(
      ['/api', '/v1', '/healthz', '/openapi.json'].map((prefix) => [prefix, { target: api }]),
    ),
  },
});
