// ESLint: typescript-eslint's type-aware recommended rules, tuned to catch bugs rather than restyle the code
// (prettier owns the layout), plus the module map of src/ (eslint-rules/module-map.js).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import moduleBoundaries from './eslint-rules/module-boundaries.js';
import { moduleMap, purePackages } from './eslint-rules/module-map.js';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'test/conformance/modern-suite/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.ts', 'eslint-rules/*.js'] } },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a parameter an interface requires but the implementation does not need.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Fire-and-forget is deliberate in a few places (`void promise`); an unhandled one is still an error.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      // Express and Hono style handlers return promises where a callback is expected; the SDK awaits them.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // Template literals with numbers are how messages are written here.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Stores and SDK handlers implement async interfaces with synchronous bodies on purpose.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests and benchmarks poke at protocol payloads parsed as `any`; the unsafe-any family would flag that
    // probing, not bugs. src/ keeps it.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { toolgate: { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: { 'toolgate/module-boundaries': ['error', { modules: moduleMap, purePackages }] },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // `expect(obj.method).toHaveBeenCalled()` and the like.
      '@typescript-eslint/unbound-method': 'off',
      // Parsed JSON is probed as `any`, and test servers reject with an abort's reason as the SDK does.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
