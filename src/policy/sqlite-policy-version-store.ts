import type { StateDb } from '../state/state-db.js';
import {
  versionOf,
  type PolicyVersion,
  type PolicyVersionInfo,
  type PolicyVersionStore,
  type VersionRow,
} from './policy-version-store.js';

/** Policy versions in the embedded SQLite state database. */
export class SqlitePolicyVersionStore implements PolicyVersionStore {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  async latest(file: string): Promise<PolicyVersion | undefined> {
    const row = this.#db
      .prepare<[string], VersionRow>('SELECT * FROM policy_versions WHERE file = ? ORDER BY version DESC LIMIT 1')
      .get(file);
    return row && versionOf(row);
  }

  async get(file: string, version: number): Promise<PolicyVersion | undefined> {
    const row = this.#db
      .prepare<[string, number], VersionRow>('SELECT * FROM policy_versions WHERE file = ? AND version = ?')
      .get(file, version);
    return row && versionOf(row);
  }

  async list(file: string): Promise<PolicyVersionInfo[]> {
    return this.#db
      .prepare<[string], Omit<VersionRow, 'text'>>(
        'SELECT file, version, saved_by, saved_at, note FROM policy_versions WHERE file = ? ORDER BY version DESC',
      )
      .all(file)
      .map((row) => ({
        file: row.file,
        version: row.version,
        savedBy: row.saved_by,
        savedAt: row.saved_at,
        note: row.note,
      }));
  }

  async files(): Promise<string[]> {
    return this.#db
      .prepare<[], { file: string }>('SELECT DISTINCT file FROM policy_versions ORDER BY file')
      .all()
      .map((row) => row.file);
  }

  async add(version: Omit<PolicyVersion, 'version'>, basedOn: number): Promise<number | 'stale'> {
    // One statement: the next number is taken only while the latest is still `basedOn`.
    const insert = this.#db.prepare(
      `INSERT INTO policy_versions (file, version, text, saved_by, saved_at, note)
       SELECT ?, COALESCE(MAX(version), 0) + 1, ?, ?, ?, ? FROM policy_versions WHERE file = ?
       HAVING COALESCE(MAX(version), 0) = ?`,
    );
    const { file, text, savedBy, savedAt, note } = version;
    const result = await this.#db.write(() => insert.run(file, text, savedBy, savedAt, note, file, basedOn));
    return Number(result.changes) === 1 ? basedOn + 1 : 'stale';
  }
}
