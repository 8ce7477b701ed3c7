/**
 * The module map of src/: which module may import which. ESLint's `toolgate/module-boundaries` rule enforces it
 * (eslint-rules/module-boundaries.js), and refuses to load when the table itself has a cycle, so no two folders of
 * src/ can ever depend on each other.
 *
 * A module is a folder under src/ (`policy`), or a file at src/'s root (`gateway.ts`). Its own files may import
 * each other freely; anything else it imports must be listed under `uses`. A module missing from the table is an
 * error: add it here when you create a folder, with the fewest `uses` that work.
 *
 * `pure: true` means the module's files do no I/O and can be tested as functions of their input: they may not
 * import `node:*` nor any npm package except `purePackages`, and their value imports from other modules must be
 * from pure modules too (`import type` of anything listed is fine: types do no I/O). `impureFiles` names the
 * files of a pure module that are allowed I/O (a store next to the pure logic it persists).
 *
 * Read top to bottom, this is also the architecture: entry points first, leaves last.
 */

/** npm packages a pure module may import: they compute, they never read, write or listen. */
export const purePackages = ['zod', 'jsonc-parser'];

/** @type {Record<string, { uses: string[], pure?: boolean, impureFiles?: string[] }>} */
export const moduleMap = {
  // Entry points and composition.
  'main.ts': { uses: ['cli'] },
  cli: {
    uses: [
      'app.ts',
      'log.ts',
      'approvals',
      'audit',
      'config',
      'grants',
      'json-file',
      'pipeline',
      'policy',
      'state',
      'upstream',
    ],
  },
  'app.ts': {
    uses: [
      'gateway.ts',
      'downstream',
      'approvals',
      'audit',
      'config',
      'grants',
      'pipeline',
      'state',
      'listen-address.ts',
      'log.ts',
    ],
  },

  // The client side: the MCP endpoint, HTTP and stdio fronts. They call the gateway; it never calls them.
  downstream: {
    uses: [
      'gateway.ts',
      'approvals',
      'grants',
      'upstream',
      'sdk-forks',
      'errors.ts',
      'listen-address.ts',
      'raw-result.ts',
    ],
  },

  // The call pipeline and what it runs.
  'gateway.ts': {
    uses: [
      'pipeline',
      'policy',
      'approvals',
      'audit',
      'catalog',
      'upstream',
      'config',
      'metrics.ts',
      'errors.ts',
      'log.ts',
      'raw-result.ts',
    ],
  },
  pipeline: {
    uses: ['policy', 'approvals', 'config', 'state', 'errors.ts', 'flush-timer.ts', 'log.ts', 'raw-result.ts'],
  },
  catalog: { uses: ['upstream'] },
  upstream: {
    uses: ['config', 'grants', 'sdk-forks', 'canonical-json.ts', 'errors.ts', 'log.ts', 'raw-result.ts'],
  },
  approvals: { uses: ['state', 'canonical-json.ts', 'log.ts'] },
  'metrics.ts': { uses: ['audit'] },
  audit: { uses: ['policy', 'state', 'clock.ts', 'errors.ts', 'flush-timer.ts', 'raw-result.ts'] },
  grants: { uses: ['state'] },

  // The operator's files: the gateway config and the policy files it names.
  config: { uses: ['audit', 'policy', 'json-file'] },

  // Rate limits: pure counting rules; only the SQLite store (sqlite-*.ts) touches the state database.
  limits: { pure: true, impureFiles: ['sqlite-*.ts'], uses: ['policy', 'state', 'clock.ts', 'flush-timer.ts'] },

  // The decision: a pure function of the policy and the call.
  policy: { pure: true, uses: ['json-file'] },

  // Leaves.
  'json-file': { pure: true, uses: [] },
  state: { uses: [] },
  'sdk-forks': { uses: [] },
  'canonical-json.ts': { uses: [] },
  'clock.ts': { uses: [] },
  'errors.ts': { uses: [] },
  'flush-timer.ts': { uses: [] },
  'listen-address.ts': { uses: [] },
  'log.ts': { uses: [] },
  'raw-result.ts': { uses: [] },
};
