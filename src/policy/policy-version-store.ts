/** One saved version of a policy file: its whole text, who saved it, when, and why. */
export interface PolicyVersion {
  readonly file: string;
  /** 1, 2, …: counted per file. */
  readonly version: number;
  readonly text: string;
  /** A member's name, `admin-api`, or `(file on disk)` for an edit made outside the console. */
  readonly savedBy: string;
  readonly savedAt: number;
  readonly note: string | null;
}

/** A version without its text: what a history lists. */
export type PolicyVersionInfo = Omit<PolicyVersion, 'text'>;

/**
 * The history of the policy files edited from the console: every saved text, so that any version can be read,
 * compared and restored. Shared by every process on the state. Implementations: SQLite (embedded);
 * PostgreSQL (postgres-policy-version-store.ts), for several replicas.
 */
export interface PolicyVersionStore {
  latest(file: string): Promise<PolicyVersion | undefined>;
  get(file: string, version: number): Promise<PolicyVersion | undefined>;
  /** The file's versions, newest first. */
  list(file: string): Promise<PolicyVersionInfo[]>;
  /** Every file with a history. */
  files(): Promise<string[]>;
  /**
   * Adds the next version, only if the latest is still `basedOn` (0: the file has none): two people saving at
   * once cannot overwrite each other unseen. The new version's number, or `stale` when another came first.
   */
  add(version: Omit<PolicyVersion, 'version'>, basedOn: number): Promise<number | 'stale'>;
}

/** A row of the `policy_versions` table, as every engine returns it. */
export interface VersionRow {
  file: string;
  version: number;
  text: string;
  saved_by: string;
  saved_at: number;
  note: string | null;
}

export function versionOf(row: VersionRow): PolicyVersion {
  return {
    file: row.file,
    version: row.version,
    text: row.text,
    savedBy: row.saved_by,
    savedAt: row.saved_at,
    note: row.note,
  };
}
