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
 * compared and restored. Shared by every process on the state. Implementations: SQLite (embedded).
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
