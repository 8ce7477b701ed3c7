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
  /** The paths of the values replaced (`args.password`), in document order. */
  readonly redacted: string[];
}

/** One value that redaction replaces: where it is, why it is taken for a secret, and the value itself. */
export interface Secret {
  /** Its path in the policy's syntax: `args.password`, `args.items[1].token`. */
  readonly path: string;
  /** The same path as steps, to find the place again: an object key, or an array index. */
  readonly steps: readonly PathStep[];
  /** Why it is taken for a secret, in words for the person who sees it masked. */
  readonly why: string;
  readonly value: unknown;
}

/** The top-level keys of a call's arguments, in the order sent; none when the arguments are not an object. */
export function argumentKeys(args: unknown): string[] {
  return isObject(args) ? Object.keys(args) : [];
}

/** The arguments as the audit trail keeps them: not at all, or with every secret redacted. Never mutates `args`. */
export function redactArguments(args: unknown, settings: RedactionSettings): Redaction {
  if (!settings.include || args === undefined) return { value: undefined, redacted: [] };
  const { masked, secrets } = separateSecrets(args, settings.redactKeys);
  return { value: masked, redacted: secrets.map((secret) => secret.path) };
}

/**
 * Takes the secrets out of a call's arguments: `masked` is the arguments with each secret replaced by
 * `[redacted]`, `secrets` every value replaced, in document order, with where it was and why. Putting each value
 * back at its steps gives the arguments again, whole: everything masked can be shown on request (a value nested
 * too deep to read is masked whole, and kept whole). Never mutates `args`.
 */
export function separateSecrets(
  args: unknown,
  redactKeys: readonly string[],
): { readonly masked: unknown; readonly secrets: Secret[] } {
  const names: { entry: string; name: string }[] = [];
  const paths: { entry: string; steps: PathStep[] }[] = [];
  for (const entry of redactKeys) {
    const parsed = entry.startsWith('args.') || entry.startsWith('args[') ? parseArgumentPath(entry) : undefined;
    if (parsed !== undefined && !('error' in parsed)) paths.push({ entry, steps: [...parsed.steps] });
    else {
      // An entry that is not a valid path is still honoured, as a key name: a typo must not let a secret through.
      const name = normaliseKey(entry);
      // An empty name would match every key (every key ends with ""); it names nothing.
      if (name !== '') names.push({ entry, name });
    }
  }
  const secrets: Secret[] = [];
  /** Why the value at `at` is a secret, or undefined when it is not. */
  const secretWhy = (at: readonly PathStep[], key: string | undefined): string | undefined => {
    const path = paths.find((candidate) => samePath(candidate.steps, at));
    if (path !== undefined) return `its path is listed as secret (${path.entry})`;
    const name = key === undefined ? undefined : names.find((candidate) => normaliseKey(key).endsWith(candidate.name));
    return name === undefined ? undefined : `its key looks like a secret (it matches "${name.entry}")`;
  };

  const visit = (value: unknown, at: PathStep[]): unknown => {
    if (!Array.isArray(value) && !isObject(value)) return value;
    if (at.length >= MAX_DEPTH) {
      secrets.push({ path: formatPath(at), steps: at, why: `it is nested more than ${MAX_DEPTH} levels deep`, value });
      return REDACTED;
    }
    const child = (step: PathStep, key: string | undefined, item: unknown): unknown => {
      const path = [...at, step];
      const why = secretWhy(path, key);
      if (why === undefined) return visit(item, path);
      secrets.push({ path: formatPath(path), steps: path, why, value: item });
      return REDACTED;
    };
    if (Array.isArray(value)) return value.map((item, index) => child({ kind: 'index', index }, undefined, item));
    // fromEntries defines own properties, so a key such as "__proto__" stays data and never becomes a prototype.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, child({ kind: 'key', key }, key, item)]),
    );
  };
  return { masked: visit(args, []), secrets };
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
