import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import moduleBoundaries, { findCycle } from '../../eslint-rules/module-boundaries.js';
import { moduleMap, purePackages } from '../../eslint-rules/module-map.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const file = (relative: string) => path.join(ROOT, relative);

RuleTester.describe = describe;
RuleTester.it = it;
const tester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
});

const modules = {
  app: { uses: ['policy', 'limits', 'state'] },
  policy: { pure: true, uses: ['json-file', 'clock.ts'] },
  limits: { pure: true, impureFiles: ['sqlite-*.ts'], uses: ['policy', 'state'] },
  'json-file': { pure: true, uses: [] },
  state: { uses: [] },
  'clock.ts': { uses: [] },
};
const options = [{ modules, purePackages: ['zod'] }];

describe('eslint-rules/module-map.js', () => {
  it('has no cycle', () => {
    expect(findCycle(moduleMap)).toBeUndefined();
  });

  it('names only modules it defines', () => {
    const names = new Set(Object.keys(moduleMap));
    for (const [name, rule] of Object.entries(moduleMap)) {
      for (const used of rule.uses) expect(names.has(used), `${name} uses ${used}`).toBe(true);
    }
    expect(purePackages).not.toContain('pino');
  });

  it('finds a cycle through several modules', () => {
    expect(findCycle({ a: { uses: ['b'] }, b: { uses: ['c'] }, c: { uses: ['a'] } })).toEqual(['a', 'b', 'c', 'a']);
  });
});

tester.run('toolgate/module-boundaries', moduleBoundaries, {
  valid: [
    { filename: file('src/app/a.ts'), code: "import { x } from '../policy/decide.js';", options },
    { filename: file('src/policy/a.ts'), code: "import { x } from './b.js'; import { z } from 'zod';", options },
    { filename: file('src/policy/a.ts'), code: "import { x } from '../json-file/json-path.js';", options },
    // Types do no I/O: a pure module may name the Clock interface.
    { filename: file('src/policy/a.ts'), code: "import type { Clock } from '../clock.js';", options },
    {
      filename: file('src/limits/sqlite-counter-store.ts'),
      code: "import { x } from '../state/state-db.js';",
      options,
    },
    { filename: file('src/limits/sqlite-counter-store.ts'), code: "import { x } from 'node:fs';", options },
    { filename: file('test/anything.ts'), code: "import { x } from '../src/state/state-db.js';", options },
  ],
  invalid: [
    {
      filename: file('src/policy/a.ts'),
      code: "import { x } from '../app/app.js';",
      options,
      errors: [{ messageId: 'notAllowed' }],
    },
    {
      filename: file('src/policy/a.ts'),
      code: "import { readFileSync } from 'node:fs';",
      options,
      errors: [{ messageId: 'impureNode' }],
    },
    {
      filename: file('src/policy/a.ts'),
      code: "import pino from 'pino';",
      options,
      errors: [{ messageId: 'impurePackage' }],
    },
    {
      filename: file('src/policy/a.ts'),
      code: "import { systemClock } from '../clock.js';",
      options,
      errors: [{ messageId: 'impureModule' }],
    },
    {
      filename: file('src/limits/window.ts'),
      code: "import { x } from '../state/state-db.js';",
      options,
      errors: [{ messageId: 'impureModule' }],
    },
    {
      filename: file('src/limits/window.ts'),
      code: "export * from 'node:fs';",
      options,
      errors: [{ messageId: 'impureNode' }],
    },
    {
      filename: file('src/state/a.ts'),
      code: "const m = import('../policy/decide.js');",
      options,
      errors: [{ messageId: 'notAllowed' }],
    },
    {
      filename: file('src/nowhere/a.ts'),
      code: 'export const a = 1;',
      options,
      errors: [{ messageId: 'unknownModule' }],
    },
  ],
});
