import { useState } from 'preact/hooks';
import { Field } from '../components/field.js';
import { ApiError } from '../api.js';
import { DiffView } from './diff-view.js';
import { lineDiff, type DiffLine } from './line-diff.js';
import { policyVersion, rollbackPolicy, type PolicyVersion } from './policy-api.js';

/** "draft": the unsaved text of the editor, comparable with any version. */
type Side = number | 'draft';

/**
 * The saved versions of a policy file, newest first: view one, compare two (or one with the draft), roll back to
 * one (a new version with its text). Rollback waits for the draft to be saved or discarded, which it would replace.
 */
export function PolicyHistory({
  file,
  versions,
  draft,
  dirty,
  canRollBack,
  onRolledBack,
}: {
  file: string;
  versions: readonly PolicyVersion[];
  draft: string;
  dirty: boolean;
  canRollBack: boolean;
  onRolledBack: (version: number, from: number) => void;
}) {
  const [viewed, setViewed] = useState<{ version: number; text: string } | null>(null);
  const [from, setFrom] = useState<Side | null>(null);
  const [to, setTo] = useState<Side | null>(null);
  const [diff, setDiff] = useState<{ lines: DiffLine[]; caption: string } | null>(null);
  const [error, setError] = useState('');
  const older = from ?? versions[1]?.version ?? versions[0]?.version ?? 'draft';
  const newer = to ?? (dirty || versions.length === 0 ? 'draft' : versions[0]!.version);
  const textOf = async (side: Side) => (side === 'draft' ? draft : (await policyVersion(file, side)).text);
  const name = (side: Side) => (side === 'draft' ? 'the draft' : `version ${side}`);
  async function run(action: () => Promise<void>) {
    setError('');
    try {
      await action();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  }
  const sideOptions = [
    ...versions.map((item) => (
      <option key={item.version} value={String(item.version)}>
        Version {item.version}
        {item.current ? ' (current)' : ''}
      </option>
    )),
    <option key="draft" value="draft">
      The draft
    </option>,
  ];
  const parseSide = (value: string): Side => (value === 'draft' ? 'draft' : Number(value));
  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {versions.length === 0 ? (
        <p class="muted">No saved versions yet: the file has not been saved from the console.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved by</th>
              <th scope="col">Saved at</th>
              <th scope="col">Note</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((item) => (
              <tr key={item.version}>
                <td>
                  {item.version}
                  {item.current && <span class="badge">current</span>}
                </td>
                <td>{item.savedBy ?? ''}</td>
                <td>
                  <time dateTime={item.savedAt}>{new Date(item.savedAt).toLocaleString()}</time>
                </td>
                <td>{item.note ?? ''}</td>
                <td class="actions">
                  <button
                    type="button"
                    class="secondary"
                    onClick={() =>
                      void run(async () => setViewed({ version: item.version, text: await textOf(item.version) }))
                    }
                  >
                    View <span class="visually-hidden">version {item.version}</span>
                  </button>
                  {canRollBack && !item.current && (
                    <button
                      type="button"
                      class="secondary"
                      disabled={dirty}
                      title={dirty ? 'Save or discard the draft first' : undefined}
                      onClick={() =>
                        void run(async () => {
                          const { version } = await rollbackPolicy(file, item.version);
                          onRolledBack(version, item.version);
                        })
                      }
                    >
                      Roll back to version {item.version}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {dirty && canRollBack && versions.length > 1 && (
        <p class="muted small">Rolling back replaces the draft: save or discard it first.</p>
      )}
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          void run(async () => {
            const [a, b] = await Promise.all([textOf(older), textOf(newer)]);
            setDiff({ lines: lineDiff(a, b), caption: `From ${name(older)} to ${name(newer)}` });
          });
        }}
      >
        <Field label="Compare">
          {(id) => (
            <select id={id} value={String(older)} onChange={(event) => setFrom(parseSide(event.currentTarget.value))}>
              {sideOptions}
            </select>
          )}
        </Field>
        <Field label="with">
          {(id) => (
            <select id={id} value={String(newer)} onChange={(event) => setTo(parseSide(event.currentTarget.value))}>
              {sideOptions}
            </select>
          )}
        </Field>
        <button type="submit" class="secondary">
          Show the differences
        </button>
      </form>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {diff !== null && <DiffView lines={diff.lines} caption={diff.caption} />}
      {viewed !== null && (
        <div class="version-text">
          <h3>Version {viewed.version}</h3>
          <pre tabIndex={0} aria-label={`Text of version ${viewed.version}`}>
            {viewed.text}
          </pre>
          <button type="button" class="secondary" onClick={() => setViewed(null)}>
            Close <span class="visually-hidden">version {viewed.version}</span>
          </button>
        </div>
      )}
    </section>
  );
}
