// fidus/module-boundaries — keeps the server's module map honest (see ARCHITECTURE.md, "Module map").
//
// For a file under server/src/<module>/, every relative import that resolves into ANOTHER module must
//   1. target that module's public surface, `<module>/index.ts`, and
//   2. point down the layers: core(0) ← db, privacy(1) ← gateway, jobs(2) ← agents(3) ← domains/*(4) ← http(5) ← cli(6).
//      A module may import only modules of a strictly lower layer; domains may also import other domains.
// Test files (*.test.ts and anything under server/test/) are exempt: they may reach into internals.
import path from 'node:path';

/** @type {Record<string, number>} */
export const DEFAULT_LAYERS = {
  core: 0,
  db: 1,
  privacy: 1,
  gateway: 2,
  jobs: 2,
  agents: 3,
  domains: 4, // every server/src/domains/<name>/ is a module of this layer
  http: 5,
  cli: 6, // the command line starts the HTTP server
};

const TEST_FILE = /\.test\.[cm]?[jt]sx?$/;
const INDEX_FILES = new Set(['index.ts']);

/**
 * Which module a path belongs to, relative to the source root.
 * @param {string} srcDir absolute path of server/src
 * @param {string} file absolute path
 * @returns {{ inSrc: false } | { inSrc: true, name: string | null, dir: string | null, top: string }}
 *   name is e.g. 'db' or 'domains/accounts' (null for a file at the top of src/ or in domains/ itself)
 */
function moduleOf(srcDir, file) {
  const rel = path.relative(srcDir, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return { inSrc: false };
  const parts = rel.split(path.sep);
  const top = /** @type {string} */ (parts[0]);
  if (parts.length === 1) return { inSrc: true, name: null, dir: null, top };
  if (top === 'domains') {
    if (parts.length < 3) return { inSrc: true, name: null, dir: null, top };
    const name = `domains/${parts[1]}`;
    return { inSrc: true, name, dir: path.join(srcDir, 'domains', /** @type {string} */ (parts[1])), top };
  }
  return { inSrc: true, name: top, dir: path.join(srcDir, top), top };
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: {
      description: "Cross-module imports go through the module's index.ts and point down the layer order",
    },
    schema: [
      {
        type: 'object',
        properties: {
          srcDir: { type: 'string' },
          layers: { type: 'object', additionalProperties: { type: 'integer' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      notIndex:
        "'{{source}}' reaches into module '{{target}}'; import its public surface '{{suggestion}}' instead.",
      wrongLayer:
        "Module '{{from}}' (layer {{fromLayer}}) may not import '{{target}}' (layer {{targetLayer}}): " +
        'imports must point to a lower layer (core ← db/privacy ← gateway/jobs ← agents ← domains ← http/cli).',
      unknownModule:
        "'{{source}}' resolves into '{{target}}', which is not in the module map; " +
        'add it to the layers of fidus/module-boundaries in eslint.config.js.',
    },
  },

  create(context) {
    const options = context.options[0] ?? {};
    const srcDir = path.resolve(context.cwd, options.srcDir ?? 'server/src');
    const layers = options.layers ?? DEFAULT_LAYERS;
    const filename = context.physicalFilename;

    if (TEST_FILE.test(filename)) return {};
    const from = moduleOf(srcDir, filename);
    if (!from.inSrc) return {};
    /** @param {string} top */
    const layerOf = (top) => (Object.hasOwn(layers, top) ? layers[top] : undefined);
    const fromLayer = from.name ? layerOf(from.top) : undefined;

    /** @param {import('estree').Node | null | undefined} node */
    function check(node) {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const source = node.value;
      if (!source.startsWith('./') && !source.startsWith('../')) return;
      const resolved = path.resolve(path.dirname(filename), source);
      const to = moduleOf(srcDir, resolved);
      if (!to.inSrc) return;
      if (from.name !== null && to.name === from.name) return; // inside its own module

      if (to.name === null || layerOf(to.top) === undefined) {
        // The target is not part of the module map: only modules are held to the map.
        if (from.name !== null && fromLayer !== undefined) {
          context.report({
            node,
            messageId: 'unknownModule',
            data: { source, target: path.relative(srcDir, resolved) },
          });
        }
        return;
      }

      const targetLayer = /** @type {number} */ (layerOf(to.top));
      const isIndex = path.dirname(resolved) === to.dir && INDEX_FILES.has(path.basename(resolved));
      if (!isIndex) {
        let suggestion = path.relative(
          path.dirname(filename),
          path.join(/** @type {string} */ (to.dir), 'index.ts'),
        );
        suggestion = suggestion.split(path.sep).join('/');
        if (!suggestion.startsWith('.')) suggestion = `./${suggestion}`;
        context.report({ node, messageId: 'notIndex', data: { source, target: to.name, suggestion } });
      }

      if (fromLayer === undefined) return; // files outside the module map (e.g. the top of src/) have no layer
      const sameLayerDomains = from.top === 'domains' && to.top === 'domains';
      if (targetLayer < fromLayer || sameLayerDomains) return;
      context.report({
        node,
        messageId: 'wrongLayer',
        data: {
          from: /** @type {string} */ (from.name),
          fromLayer: String(fromLayer),
          target: to.name,
          targetLayer: String(targetLayer),
        },
      });
    }

    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      // `import('../db/schema.ts').Table` in a type position
      /** @param {any} node */
      TSImportType: (node) => check(node.source ?? node.argument?.literal),
    };
  },
};
