import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../observability/log.js';
import type { Principal } from '../grants/principal.js';
import { ALLOW_ALL } from '../policy/allow-all.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { loadPolicy } from '../config/load-policy.js';
import { PolicyError } from '../policy/policy-error.js';

/** How long file events are gathered before a reload: editors write a file in several steps. */
const RELOAD_DEBOUNCE_MS = 100;

interface Entry {
  /** The policy in force; null when the file has never loaded (its callers are denied everything). */
  policy: CompiledPolicy | null;
  watcher: FSWatcher | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The policy files in use, compiled once and swapped whole when a file changes. A call takes the policy of the
 * moment it starts and keeps it to the end. An edit that does not load (bad JSON, a wrong key) is never applied:
 * the previous policy stays in force and the error is logged with its file, line, column and JSON path.
 */
export class PolicyFiles {
  readonly #entries = new Map<string, Entry>();
  readonly #log: Logger;
  readonly #onChange: (file: string, policy: CompiledPolicy) => void;

  constructor(log: Logger, onChange: (file: string, policy: CompiledPolicy) => void) {
    this.#log = log;
    this.#onChange = onChange;
  }

  /** Loads `file` now, throwing its PolicyError: for files that must be valid at start (the config's policy). */
  require(file: string): CompiledPolicy {
    const policy = loadPolicy(file);
    this.#entries.set(file, { policy, watcher: this.#watch(file), timer: undefined });
    return policy;
  }

  /** The policy in force for `file`: loaded on first use, null when it has never loaded. */
  get(file: string): CompiledPolicy | null {
    let entry = this.#entries.get(file);
    if (!entry) {
      entry = { policy: this.#tryLoad(file), watcher: this.#watch(file), timer: undefined };
      this.#entries.set(file, entry);
    }
    return entry.policy;
  }

  /**
   * The policy that decides a principal's calls. A grant without a policy, or whose file has never loaded, is
   * denied everything (null); the local operator under a config that names no policy may call everything.
   */
  policyFor(principal: Principal): CompiledPolicy | null {
    if (principal.policy === null) return principal.via === 'local' ? ALLOW_ALL : null;
    return this.get(principal.policy);
  }

  /** The longest limit window of any policy in force: how long counter events must be kept. */
  longestWindowMs(): number {
    let longest = 0;
    for (const entry of this.#entries.values()) longest = Math.max(longest, entry.policy?.longestWindowMs ?? 0);
    return longest;
  }

  /**
   * Reloads `file` now, if it is in use: a save from the console applies to the very next call, not after the
   * watcher's debounce. A file that does not load is logged and the previous policy stays, as for any edit.
   */
  reload(file: string): void {
    const entry = this.#entries.get(file);
    if (entry) clearTimeout(entry.timer);
    this.#reload(file);
  }

  /** Stops watching every file. */
  close(): void {
    for (const entry of this.#entries.values()) {
      entry.watcher?.close();
      clearTimeout(entry.timer);
    }
    this.#entries.clear();
  }

  #tryLoad(file: string): CompiledPolicy | null {
    try {
      return loadPolicy(file);
    } catch (error) {
      this.#logFailure(file, error);
      return null;
    }
  }

  /**
   * Watches the file's folder rather than the file: editors that save by writing a new file and renaming it
   * over the old one would leave a watch on the file itself looking at a file that no longer exists.
   */
  #watch(file: string): FSWatcher | undefined {
    try {
      const name = basename(file);
      const watcher = watch(dirname(file), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        const entry = this.#entries.get(file);
        if (!entry) return;
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => this.#reload(file), RELOAD_DEBOUNCE_MS);
      });
      watcher.on('error', (error) => this.#log.warn({ file, err: error.message }, 'stopped watching a policy file'));
      watcher.unref();
      return watcher;
    } catch (error) {
      this.#log.warn({ file, err: (error as Error).message }, 'cannot watch a policy file: edits need a restart');
      return undefined;
    }
  }

  #reload(file: string): void {
    const entry = this.#entries.get(file);
    if (!entry) return;
    let policy: CompiledPolicy;
    try {
      policy = loadPolicy(file);
    } catch (error) {
      this.#logFailure(file, error);
      return;
    }
    if (policy.revision === entry.policy?.revision) return;
    entry.policy = policy;
    this.#log.info({ file, policyRevision: policy.revision }, 'policy reloaded');
    this.#onChange(file, policy);
  }

  #logFailure(file: string, error: unknown): void {
    const issues = error instanceof PolicyError ? error.issues.length : 1;
    this.#log.error(
      { file, issues, err: error instanceof Error ? error.message : String(error) },
      'policy file not applied: it does not load (the previous policy, if any, stays in force)',
    );
  }
}
