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

/**
 * Packages a pure module may import: they compute, they never read, write or listen. `node:crypto` is here for
 * its hashes (a policy's revision is the hash of its document); a pure module must not draw random bytes.
 */
export const purePackages = ['zod', 'jsonc-parser', 're2js', 'node:crypto'];

/** @type {Record<string, { uses: string[], pure?: boolean, impureFiles?: string[] }>} */
export const moduleMap = {
  // Entry points and composition: the only places that know every part.
  'main.ts': { uses: ['cli'] },
  cli: {
    uses: [
      'app.ts',
      'services',
      'members',
      'inventory',
      'risk',
      'approvals',
      'pinning',
      'audit',
      'config',
      'grants',
      'policy',
      'state',
      'stores',
      'upstream',
      'json',
      'clock.ts',
    ],
  },
  'app.ts': {
    uses: [
      'admin',
      'downstream',
      'services',
      'sessions',
      'catalog',
      'pinning',
      'risk',
      'approvals',
      'audit',
      'config',
      'grants',
      'limits',
      'state',
      'stores',
      'upstream',
      'observability',
      'clock.ts',
    ],
  },

  // The operator's side: the admin HTTP API, on the services the CLI uses too.
  admin: {
    uses: [
      'services',
      'members',
      'inventory',
      'approvals',
      'policy',
      'audit',
      'config',
      'grants',
      'upstream',
      'observability',
      'clock.ts',
    ],
  },
  services: {
    uses: [
      'members',
      'inventory',
      'catalog',
      'risk',
      'raw-result.ts',
      'approvals',
      'pinning',
      'audit',
      'config',
      'grants',
      'limits',
      'policy',
      'state',
      'upstream',
      'observability',
      'stores',
      'clock.ts',
    ],
  },
  // Where the state lives: every store on one engine (SQLite or PostgreSQL), and the counters (memory, SQLite,
  // Redis), chosen by the config's `state` section.
  stores: {
    uses: [
      'approvals',
      'audit',
      'grants',
      'members',
      'pinning',
      'policy',
      'limits',
      'state',
      'config',
      'observability',
      'clock.ts',
    ],
  },

  // The client side: the MCP endpoint over HTTP and stdio. It hands every request to the pipeline.
  downstream: {
    uses: [
      'admin',
      'services',
      'pipeline',
      'sessions',
      'audit',
      'config',
      'grants',
      'upstream',
      'observability',
      'sdk-forks',
      'clock.ts',
      'errors.ts',
      'raw-result.ts',
    ],
  },

  // The call pipeline and the pieces its steps use, in the order they run.
  pipeline: {
    uses: [
      'catalog',
      'pinning',
      'config',
      'approvals',
      'limits',
      'policy',
      'sessions',
      'upstream',
      'audit',
      'grants',
      'observability',
      'clock.ts',
      'errors.ts',
      'raw-result.ts',
    ],
  },
  sessions: { uses: ['upstream', 'grants', 'observability'] },
  catalog: { uses: ['upstream', 'pinning', 'risk', 'errors.ts', 'raw-result.ts'] },
  // What each tool is, what a policy does with it, and the rule to start from: the inventory's pages.
  inventory: { uses: ['catalog', 'policy', 'risk'] },
  approvals: {
    uses: ['upstream', 'audit', 'grants', 'policy', 'state', 'json', 'observability', 'clock.ts', 'errors.ts'],
  },
  upstream: {
    uses: ['config', 'grants', 'sdk-forks', 'json', 'observability', 'clock.ts', 'errors.ts', 'raw-result.ts'],
  },

  // Pinned tool definitions: what changed since an operator accepted it. Pure but its SQLite store and the
  // service that records changes (tool-pins.ts).
  pinning: {
    pure: true,
    impureFiles: ['sqlite-*.ts', 'postgres-*.ts', 'tool-pins.ts'],
    uses: ['audit', 'risk', 'json', 'state', 'observability', 'clock.ts'],
  },

  // The operator's files: the gateway config and the policy files it names (read and watched).
  config: { uses: ['audit', 'grants', 'policy', 'json', 'observability'] },

  // Logs and metrics; metrics are read off the audit records.
  observability: { uses: ['audit'] },
  audit: { uses: ['policy', 'state', 'clock.ts'] },
  grants: { uses: ['state'] },

  // The decision: a pure function of the policy and the call.
  policy: { pure: true, impureFiles: ['sqlite-*.ts', 'postgres-*.ts'], uses: ['limits', 'risk', 'json', 'state'] },
  // Rate limits: pure counting; only the SQLite store (sqlite-*.ts) touches the state database, and only the Redis
  // store (redis-*.ts) talks to Redis.
  limits: { pure: true, impureFiles: ['sqlite-*.ts', 'redis-*.ts'], uses: ['state'] },

  // The console's operators: who signs in, with which role.
  members: { uses: ['state'] },

  // What a tool is and how much harm it can do, read from its definition.
  risk: { pure: true, uses: [] },

  // Leaves.
  json: { pure: true, uses: [] },
  state: { uses: [] },
  'sdk-forks': { uses: [] },
  'clock.ts': { uses: [] },
  'errors.ts': { uses: [] },
  'raw-result.ts': { uses: [] },
};
