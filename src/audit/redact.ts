import { parseArgumentPath, type PathStep } from '../policy/argument-path.js';

/**
 * What of a call's arguments the audit trail keeps. Pure: the functions here read their arguments only.
 *
 * Keys are always kept (`argumentKeys`); values only when the config asks for them, and then every value under
 * a key that names a secret is replaced by `[redacted]`, at any depth, and its path listed.
 */

/** What a redacted value is replaced with (the same word the gateway's log uses). */
export const REDACTED = '[redacted]';

/**
 * The key names redacted when the config names none. Matched as `redactKeys` describes, so `token` also covers
 * `access_token` and `githubToken`, and `api_key` covers `apiKey` and `X-Api-Key`.
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'token',
  'authorization',
  'api_key',
  'private_key',
  'credentials',
  'cookie',
];

/** Deeper than this, a value is not inspected: it is redacted whole, since what was not read cannot be vouched for. */
const MAX_DEPTH = 64;

export interface RedactionSettings {
  /** Keep the arguments' values (redacted); false keeps none. */
  readonly include: boolean;
  /**
   * What to redact. An entry that starts with `args.` or `args[` is an argument path in the policy's syntax
   * (`args.headers.authorization`, `args.items[0].secret`) and redacts exactly that place. Any other entry is a key
   * name, redacted wherever it appears: compared without case, `-` or `_`, a key matches when it is the name or
   * ends with it (`token` matches `access_token`, `pageToken`, `X-Token`). Path keys are compared without case.
   */
  readonly redactKeys: readonly string[];
}

export interface Redaction {
  /** The arguments with secrets replaced by `[redacted]`; undefined when values are not kept. */
  readonly value: unknown;
  /** The paths of the values replaced (`args.password`, `args.items[1].token`), in document order. */
  readonly redacted: string[];
}

/** The top-level keys of a call's arguments, in the order sent; none when the arguments are not an object. */
export function argumentKeys(args: unknown): string[] {
  return isObject(args) ? Object.keys(args) : [];
}

/** The arguments as the audit trail keeps them: not at all, or with every secret redacted. Never mutates `args`. */
export function redactArguments(args: unknown, settings: RedactionSettings): Redaction {
  if (!settings.include || args === undefined) return { value: undefined, redacted: [] };
  const names: string[] = [];
  const paths: PathStep[][] = [];
  for (const entry of settings.redactKeys) {
    const parsed = entry.startsWith('args.') || entry.startsWith('args[') ? parseArgumentPath(entry) : undefined;
    if (parsed !== undefined && !('error' in parsed)) paths.push([...parsed.steps]);
    else {
      // An entry that is not a valid path is still honoured, as a key name: a typo must not let a secret through.
      const name = normaliseKey(entry);
      // An empty name would match every key (every key ends with ""); it names nothing.
      if (name !== '') names.push(name);
    }
  }
  const redacted: string[] = [];
  const matches = (at: readonly PathStep[], key: string | undefined): boolean =>
    (key !== undefined && names.some((name) => normaliseKey(key).endsWith(name))) ||
    paths.some((path) => samePath(path, at));

  const visit = (value: unknown, at: PathStep[]): unknown => {
    if (!Array.isArray(value) && !isObject(value)) return value;
    if (at.length >= MAX_DEPTH) {
      redacted.push(formatPath(at));
      return REDACTED;
    }
    const child = (step: PathStep, key: string | undefined, item: unknown): unknown => {
      const path = [...at, step];
      if (!matches(path, key)) return visit(item, path);
      redacted.push(formatPath(path));
      return REDACTED;
    };
    if (Array.isArray(value)) return value.map((item, index) => child({ kind: 'index', index }, undefined, item));
    // fromEntries defines own properties, so a key such as "__proto__" stays data and never becomes a prototype.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, child({ kind: 'key', key }, key, item)]),
    );
  };
  return { value: visit(args, []), redacted };
}

/** Problems with redaction entries, for the config's validation: entries that look like paths but are not. */
export function redactKeyProblems(entries: readonly string[]): string[] {
  const problems: string[] = [];
  for (const entry of entries) {
    if (entry.startsWith('args.') || entry.startsWith('args[')) {
      const parsed = parseArgumentPath(entry);
      if ('error' in parsed) problems.push(parsed.error);
    } else if (normaliseKey(entry) === '') {
      problems.push(`"${entry}" names no key`);
    }
  }
  return problems;
}

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a configured path names the place `at`; a dotted all-digit step also names an array index. */
function samePath(path: readonly PathStep[], at: readonly PathStep[]): boolean {
  if (path.length !== at.length) return false;
  return path.every((step, index) => {
    const here = at[index]!;
    if (here.kind === 'index') {
      return step.kind === 'index' ? step.index === here.index : step.key === String(here.index);
    }
    return step.kind === 'key' && step.key.toLowerCase() === here.key.toLowerCase();
  });
}

/** A path in the policy's syntax: `args.a.b`, `args.items[0]`, `args["odd.key"]`. */
function formatPath(steps: readonly PathStep[]): string {
  let text = 'args';
  for (const step of steps) {
    if (step.kind === 'index') text += `[${step.index}]`;
    else text += /^[^.[\]"]+$/.test(step.key) ? `.${step.key}` : `[${JSON.stringify(step.key)}]`;
  }
  return text;
}
