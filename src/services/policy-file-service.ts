import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Clock } from '../clock.js';
import type { GrantStore } from '../grants/grant-store.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { PolicyError, type PolicyIssue } from '../policy/policy-error.js';
import type { PolicyVersion, PolicyVersionInfo, PolicyVersionStore } from '../policy/policy-version-store.js';
import { ServiceError } from './service-error.js';

/** A policy file in use, as the console's policy picker lists it. */
export interface PolicyFileEntry {
  readonly file: string;
  /** The file's name without `.json`, for people. */
  readonly name: string;
  /** The config's `policy` (local callers). */
  readonly inConfig: boolean;
  /** The labels of the active grants it decides. */
  readonly grants: readonly string[];
  /** Its latest saved version; null before the console first saved it. */
  readonly version: number | null;
}

/** A policy file as it is on disk now, with the version it is (null: edited outside the console since). */
export interface CurrentPolicy {
  readonly file: string;
  readonly text: string;
  readonly version: number | null;
}

/** Who saved a version when the file was found changed outside the console (by hand, by `policy suggest --out`). */
const ON_DISK = '(file on disk)';
/** A new policy file's name: what `POST /admin/policies/new` takes, so that no path can be named. */
const POLICY_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const NEW_POLICY = '{\n  "version": "1",\n  "default": "deny",\n  "tools": {}\n}\n';

/**
 * The policy files operators edit from the console: read, checked with the words of `toolgate policy check`,
 * saved as a new version (the file written whole, then renamed into place, so the gateway never reads half a
 * file), compared, rolled back. Only files the gateway uses (the config's policy, the grants') or made here can
 * be named: the admin API is no way to write anywhere else.
 */
export class PolicyFileService {
  readonly #versions: PolicyVersionStore;
  readonly #grants: GrantStore;
  readonly #clock: Clock;
  readonly #config: { readonly file: string | null; readonly policy: string | null };
  /** Told of every saved file: the gateway reloads it at once, so the next call is decided by it. */
  readonly #saved: (file: string) => void;

  constructor(
    versions: PolicyVersionStore,
    grants: GrantStore,
    clock: Clock,
    config: { readonly file: string | null; readonly policy: string | null },
    saved: (file: string) => void = () => undefined,
  ) {
    this.#versions = versions;
    this.#grants = grants;
    this.#clock = clock;
    this.#config = config;
    this.#saved = saved;
  }

  async list(): Promise<PolicyFileEntry[]> {
    const grants = (await this.#grants.list()).filter((grant) => grant.revokedAt === null);
    const files = new Set<string>();
    if (this.#config.policy !== null) files.add(this.#config.policy);
    for (const grant of grants) if (grant.policy !== null) files.add(grant.policy);
    for (const file of await this.#versions.files()) files.add(file);
    const entries: PolicyFileEntry[] = [];
    for (const file of [...files].sort()) {
      const latest = await this.#versions.latest(file);
      entries.push({
        file,
        name: basename(file).replace(/\.json$/, ''),
        inConfig: file === this.#config.policy,
        grants: grants.filter((grant) => grant.policy === file).map((grant) => grant.label),
        version: latest?.version ?? null,
      });
    }
    return entries;
  }

  async current(file: string): Promise<CurrentPolicy> {
    await this.#known(file);
    const text = readText(file);
    const latest = await this.#versions.latest(file);
    return { file, text, version: latest !== undefined && latest.text === text ? latest.version : null };
  }

  async versions(file: string): Promise<PolicyVersionInfo[]> {
    await this.#known(file);
    return this.#versions.list(file);
  }

  async version(file: string, version: number): Promise<PolicyVersion> {
    await this.#known(file);
    const found = await this.#versions.get(file, version);
    if (!found) throw new ServiceError('not_found', `No version ${version} of ${file}`);
    return found;
  }

  /** The problems `toolgate policy check` would report for this text; none when it loads. */
  check(text: string, file = 'policy.json'): PolicyIssue[] {
    try {
      parsePolicy(text, file);
      return [];
    } catch (error) {
      if (error instanceof PolicyError) return error.issues;
      throw error;
    }
  }

  /**
   * Saves `text` as the file's next version and writes the file. `basedOn` is the version the editor started
   * from (null: the file as it was on disk, never saved here).
   * @throws ServiceError `invalid` (with `problems`) for a policy that does not load; `conflict` when the file
   * changed since `basedOn`.
   */
  async save(file: string, text: string, basedOn: number | null, by: string, note: string | null): Promise<number> {
    await this.#known(file);
    const problems = this.check(text, file);
    if (problems.length > 0) {
      throw new ServiceError('invalid', `The policy does not load: ${problems.length} problem(s)`, { problems });
    }
    const now = this.#clock.now();
    const base = await this.#baseVersion(file, basedOn, now);
    const added =
      base === 'stale' ? base : await this.#versions.add({ file, text, savedBy: by, savedAt: now, note }, base);
    if (added === 'stale') {
      throw new ServiceError('conflict', `${basename(file)} was changed since you opened it: reload it`);
    }
    writeWhole(file, text);
    this.#saved(file);
    return added;
  }

  /** Saves an earlier version's text as the newest version. */
  async rollback(file: string, version: number, by: string): Promise<number> {
    const old = await this.version(file, version);
    const { version: basedOn } = await this.current(file);
    return this.save(file, old.text, basedOn, by, `Rolled back to version ${version}`);
  }

  /** A new policy file beside the config's policy (or the config), denying everything until edited. */
  async create(name: string, by: string): Promise<string> {
    if (!POLICY_NAME.test(name)) {
      throw new ServiceError(
        'invalid',
        `A policy's name is 1 to 64 lowercase letters, digits, "_" or "-": got ${JSON.stringify(name)}`,
      );
    }
    const folder = dirname(this.#config.policy ?? this.#config.file ?? join(process.cwd(), 'toolgate.json'));
    const file = join(folder, `${name}.json`);
    if (existsSync(file)) throw new ServiceError('conflict', `${file} exists already`);
    const added = await this.#versions.add(
      { file, text: NEW_POLICY, savedBy: by, savedAt: this.#clock.now(), note: 'Created' },
      0,
    );
    if (added === 'stale') throw new ServiceError('conflict', `${file} has a history already`);
    writeWhole(file, NEW_POLICY);
    return file;
  }

  /**
   * The version a save builds on, or `stale` when the file changed since the editor's `basedOn`. A file never
   * saved here, or changed on disk since its last version, gets the text on disk recorded first (saved by
   * `(file on disk)`), so that history never loses an edit made elsewhere.
   */
  async #baseVersion(file: string, basedOn: number | null, now: number): Promise<number | 'stale'> {
    const latest = await this.#versions.latest(file);
    const text = existsSync(file) ? readText(file) : undefined;
    if (text === undefined || latest?.text === text) {
      return basedOn === (latest?.version ?? null) ? (latest?.version ?? 0) : 'stale';
    }
    // The editor opened the file as it was on disk (basedOn null); one that opened a version is too late.
    if (basedOn !== null) return 'stale';
    return this.#versions.add({ file, text, savedBy: ON_DISK, savedAt: now, note: null }, latest?.version ?? 0);
  }

  /** Refuses a file the gateway does not use and the console did not make. */
  async #known(file: string): Promise<void> {
    if ((await this.list()).some((entry) => entry.file === file)) return;
    throw new ServiceError('not_found', `${file} is not a policy in use: neither the config's nor a grant's`);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ServiceError('not_found', `Cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Writes a file whole: a temporary file beside it, renamed over it, so no reader ever sees half of it. */
function writeWhole(file: string, text: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
