import path from 'node:path';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, it } from 'vitest';
import rule from './module-boundaries.js';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const root = path.resolve('/repo');
const src = (file) => path.join(root, 'server/src', file);
const options = [{ srcDir: path.join(root, 'server/src') }];

const ruleTester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 2024, sourceType: 'module' },
});

ruleTester.run('fidus/module-boundaries', rule, {
  valid: [
    // a lower layer, through its index.ts
    { filename: src('db/database.ts'), code: "import { config } from '../core/index.ts';" },
    { filename: src('gateway/router.ts'), code: "import { db } from '../db/index.ts';" },
    { filename: src('agents/run.ts'), code: "import type { Provider } from '../gateway/index.ts';" },
    { filename: src('domains/chat/service.ts'), code: "import { run } from '../../agents/index.ts';" },
    { filename: src('http/app.ts'), code: "export { chat } from '../domains/chat/index.ts';" },
    { filename: src('cli/main.ts'), code: "const m = await import('../domains/chat/index.ts');" },
    // domains may use each other's public surface
    { filename: src('domains/chat/service.ts'), code: "import { user } from '../accounts/index.ts';" },
    // inside one module anything goes
    { filename: src('db/database.ts'), code: "import { schema } from './schema/tables.ts';" },
    { filename: src('domains/chat/routes.ts'), code: "import { service } from './service.ts';" },
    // packages and node: builtins are not modules of ours
    { filename: src('core/config.ts'), code: "import { z } from 'zod'; import fs from 'node:fs';" },
    // tests may reach into internals
    { filename: src('http/app.test.ts'), code: "import { schema } from '../db/schema.ts';" },
    {
      filename: path.join(root, 'server/test/e2e.test.ts'),
      code: "import { x } from '../src/db/schema.ts';",
    },
    // files outside server/src are not checked
    { filename: path.join(root, 'bench/http.ts'), code: "import { x } from '../server/src/db/schema.ts';" },
  ].map((test) => ({ ...test, options })),

  invalid: [
    {
      filename: src('http/app.ts'),
      code: "import { users } from '../db/schema.ts';",
      errors: [
        {
          messageId: 'notIndex',
          data: { source: '../db/schema.ts', target: 'db', suggestion: '../db/index.ts' },
        },
      ],
    },
    {
      filename: src('domains/chat/routes.ts'),
      code: "import { user } from '../accounts/service.ts';",
      errors: [
        {
          messageId: 'notIndex',
          data: {
            source: '../accounts/service.ts',
            target: 'domains/accounts',
            suggestion: '../accounts/index.ts',
          },
        },
      ],
    },
    {
      filename: src('domains/chat/nested/deep.ts'),
      code: "export * from '../../../gateway/providers/openai.ts';",
      errors: [
        {
          messageId: 'notIndex',
          data: {
            source: '../../../gateway/providers/openai.ts',
            target: 'gateway',
            suggestion: '../../../gateway/index.ts',
          },
        },
      ],
    },
    {
      // upward import
      filename: src('db/database.ts'),
      code: "import { app } from '../http/index.ts';",
      errors: [{ messageId: 'wrongLayer' }],
    },
    {
      // same layer, not domains
      filename: src('gateway/router.ts'),
      code: "import { enqueue } from '../jobs/index.ts';",
      errors: [{ messageId: 'wrongLayer' }],
    },
    {
      // type-only and dynamic imports count too; both problems reported
      filename: src('core/config.ts'),
      code: "import type { Db } from '../db/tables.ts'; await import('../jobs/index.ts');",
      errors: [{ messageId: 'notIndex' }, { messageId: 'wrongLayer' }, { messageId: 'wrongLayer' }],
    },
    {
      filename: src('agents/tools.ts'),
      code: "type T = import('../domains/chat/index.ts').Chat;",
      errors: [{ messageId: 'wrongLayer' }],
    },
    {
      filename: src('jobs/queue.ts'),
      code: "import { x } from '../util/strings.ts';",
      errors: [{ messageId: 'unknownModule' }],
    },
  ].map((test) => ({ ...test, options })),
});
