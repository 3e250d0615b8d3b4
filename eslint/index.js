// Local ESLint plugin of Fidus: rules that encode the architecture (see ARCHITECTURE.md).
import moduleBoundaries from './module-boundaries.js';

/** @type {import('eslint').ESLint.Plugin} */
const plugin = {
  meta: { name: 'eslint-plugin-fidus', version: '0.1.0' },
  rules: {
    'module-boundaries': moduleBoundaries,
  },
};

export default plugin;
