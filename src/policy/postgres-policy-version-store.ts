import type { PostgresDb } from '../state/postgres-db.js';
import {
  versionOf,
  type PolicyVersion,
  type PolicyVersionInfo,
  type PolicyVersionStore,
  type VersionRow,
} from './policy-version-store.js';

/** Policy versions in PostgreSQL, shared by every replica's console. */
export class PostgresPolicyVersionStore implements PolicyVersionStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async latest(file: string): Promise<PolicyVersion | undefined> {
    const [row] = await this.#db.rows<VersionRow>(
      'SELECT * FROM policy_versions WHERE file = $1 ORDER BY version DESC LIMIT 1',
      [file],
    );
    return row && versionOf(row);
  }

  async get(file: string, version: number): Promise<PolicyVersion | undefined> {
    const [row] = await this.#db.rows<VersionRow>('SELECT * FROM policy_versions WHERE file = $1 AND version = $2', [
      file,
      version,
    ]);
    return row && versionOf(row);
  }

  async list(file: string): Promise<PolicyVersionInfo[]> {
    const rows = await this.#db.rows<Omit<VersionRow, 'text'>>(
      'SELECT file, version, saved_by, saved_at, note FROM policy_versions WHERE file = $1 ORDER BY version DESC',
      [file],
    );
    return rows.map((row) => ({
      file: row.file,
      version: row.version,
      savedBy: row.saved_by,
      savedAt: row.saved_at,
      note: row.note,
    }));
  }

  async files(): Promise<string[]> {
    const rows = await this.#db.rows<{ file: string }>('SELECT DISTINCT file FROM policy_versions ORDER BY file');
    return rows.map((row) => row.file);
  }

  async add(version: Omit<PolicyVersion, 'version'>, basedOn: number): Promise<number | 'stale'> {
    // One statement: the next number is taken only while the latest is still `basedOn`. Two replicas saving at
    // once both see `basedOn` as the latest and both try the same (file, version): the primary key lets one in,
    // and the other, waiting on it, does nothing once it commits: it is stale.
    const { file, text, savedBy, savedAt, note } = version;
    const added = await this.#db.run(
      `INSERT INTO policy_versions (file, version, text, saved_by, saved_at, note)
       SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5 FROM policy_versions WHERE file = $1
       HAVING COALESCE(MAX(version), 0) = $6
       ON CONFLICT (file, version) DO NOTHING`,
      [file, text, savedBy, savedAt, note, basedOn],
    );
    return added === 1 ? basedOn + 1 : 'stale';
  }
}
