import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { ApiError } from '../api.js';
import { may } from '../session.js';
import {
  currentPolicy,
  listGrants,
  listPolicies,
  listTools,
  policyVersions,
  savePolicy,
  suggestedPolicy,
  type PolicyFile,
  type PolicyVersion,
} from '../policy/policy-api.js';
import type { GrantView } from '../grants/grant-view.js';
import type { ToolRow } from '../tools/tool-row.js';
import { formatDocument, parseDraft } from '../policy/policy-text.js';
import { PolicyFormView } from '../policy/policy-form-view.js';
import { PolicyHistory } from '../policy/policy-history.js';
import { PolicyPicker } from '../policy/policy-picker.js';
import { ProblemsList } from '../policy/problems-list.js';
import { usePolicyCheck } from '../policy/use-policy-check.js';
import { WhatIf } from '../policy/what-if.js';

/**
 * The policy builder: a policy file as a form and as JSON side by side, both editing one draft; checked as it is
 * typed, tried with "what would happen if", saved as a new version, and rolled back from its history.
 * `#/policy/FILE` opens a file; without one, the config's policy.
 */
export function PolicyPage({ session, params }: PageProps) {
  const [policies, setPolicies] = useState<PolicyFile[] | null>(null);
  const [tools, setTools] = useState<readonly ToolRow[]>([]);
  const [grants, setGrants] = useState<readonly GrantView[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    listPolicies()
      .then(({ policies }) => setPolicies(policies))
      .catch((failure: unknown) => setError(messageOf(failure)));
    listTools()
      .then(({ tools }) => setTools(tools))
      .catch((failure: unknown) => setError(messageOf(failure)));
    // The what-if panel works without grants: a member who may not list them asks as a local caller.
    listGrants()
      .then(({ grants }) => setGrants(grants))
      .catch(() => setGrants([]));
  }, []);
  const requested = params[0];
  const file = requested ?? policies?.find((policy) => policy.inConfig)?.file ?? policies?.[0]?.file ?? undefined;
  async function refreshList() {
    setPolicies((await listPolicies()).policies);
  }
  return (
    <>
      <h1>Policy</h1>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {policies !== null && (
        <PolicyPicker
          policies={policies}
          file={file}
          canCreate={may(session, 'policy')}
          onCreated={(created) =>
            void refreshList().then(() => {
              location.hash = `#/policy/${encodeURIComponent(created)}`;
            })
          }
        />
      )}
      {policies === null && error === '' && <p class="loading">Loading…</p>}
      {file !== undefined && (
        <PolicyEditor
          key={file}
          file={file}
          tools={tools}
          grants={grants}
          canSave={may(session, 'policy')}
          onSaved={() => void refreshList().catch(() => undefined)}
        />
      )}
      {policies !== null && file === undefined && <p>No policy files yet.</p>}
    </>
  );
}

function PolicyEditor({
  file,
  tools,
  grants,
  canSave,
  onSaved,
}: {
  file: string;
  tools: readonly ToolRow[];
  grants: readonly GrantView[];
  canSave: boolean;
  onSaved: () => void;
}) {
  const [saved, setSaved] = useState<{ text: string; version: number | null } | null>(null);
  const [draft, setDraft] = useState('');
  const [versions, setVersions] = useState<PolicyVersion[]>([]);
  const [note, setNote] = useState('');
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState('');
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const editor = useRef<HTMLTextAreaElement>(null);
  const check = usePolicyCheck(draft, file);
  const parsed = useMemo(() => parseDraft(draft), [draft]);

  async function load(message = '') {
    const current = await currentPolicy(file);
    setSaved({ text: current.text, version: current.version });
    setDraft(current.text);
    setConflict(false);
    setStatus(message);
    await loadVersions();
  }
  async function loadVersions() {
    setVersions((await policyVersions(file)).versions);
  }
  useEffect(() => {
    load().catch((error: unknown) => setFailure(messageOf(error)));
  }, []);

  if (saved === null) return failure === '' ? <p class="loading">Loading {file}…</p> : <p class="error">{failure}</p>;
  const dirty = draft !== saved.text;
  const valid = check.status === 'checked' && check.problems.length === 0 && 'doc' in parsed;

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setFailure('');
    try {
      const { version } = await savePolicy(file, draft, saved!.version, note);
      setSaved({ text: draft, version });
      setNote('');
      setStatus(`Saved as version ${version}. The gateway applies it from its next call.`);
      onSaved();
      await loadVersions();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) setConflict(true);
      else setFailure(messageOf(error));
    } finally {
      setBusy(false);
    }
  }
  async function suggest() {
    setFailure('');
    try {
      const suggested = await suggestedPolicy();
      setDraft(formatDocument(suggested.policy));
      setStatus(
        `The draft is now the suggested policy: ${suggested.hidden.length} tool(s) hidden, ` +
          `${suggested.approval.length} held for approval. Nothing is saved until you save.`,
      );
    } catch (error) {
      setFailure(messageOf(error));
    }
  }
  function goTo(line: number, column: number) {
    const area = editor.current;
    if (area === null) return;
    const lines = area.value.split('\n');
    const offset = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + column - 1;
    area.focus();
    area.setSelectionRange(offset, offset);
  }

  return (
    <>
      <p role="status" aria-live="polite" class="status">
        {status}
      </p>
      {conflict && (
        <div class="panel conflict" role="alert">
          <p>
            Someone saved this policy after you opened it, so your draft was not saved. Reload the saved policy to see
            their version (your draft is replaced: copy it from the JSON view first if you want to keep it).
          </p>
          <button
            type="button"
            onClick={() => void load('Reloaded the saved policy.').catch((e: unknown) => setFailure(messageOf(e)))}
          >
            Reload the saved policy
          </button>
        </div>
      )}
      <div class="policy-editor">
        <div class="form-side">
          {'doc' in parsed ? (
            <PolicyFormView text={draft} doc={parsed.doc} tools={tools} onText={setDraft} />
          ) : (
            <p class="panel">
              {parsed.error} The form comes back when the JSON is fixed; the problems are listed beside it.
            </p>
          )}
        </div>
        <form class="json-side" onSubmit={(event) => void save(event)}>
          <label class="block">
            Policy JSON ({file})
            <textarea
              ref={editor}
              class="code"
              rows={28}
              spellcheck={false}
              value={draft}
              aria-describedby="policy-check-summary"
              onInput={(event) => setDraft(event.currentTarget.value)}
            />
          </label>
          <ProblemsList check={check} onGoTo={goTo} />
          {canSave ? (
            <div class="save-bar">
              <label class="block">
                Note (optional)
                <input
                  value={note}
                  placeholder="Why this change"
                  onInput={(event) => setNote(event.currentTarget.value)}
                />
              </label>
              <button type="submit" disabled={!dirty || !valid || busy}>
                Save
              </button>
              <button
                type="button"
                class="secondary"
                disabled={!dirty}
                onClick={() => {
                  setDraft(saved.text);
                  setStatus('Changes discarded.');
                }}
              >
                Discard changes
              </button>
              {!dirty && <span class="muted small">No unsaved changes.</span>}
            </div>
          ) : (
            <p class="muted small">You may try changes here; saving a policy needs the policy permission.</p>
          )}
          <button type="button" class="secondary" onClick={() => void suggest()}>
            Start from the suggested policy
          </button>
          {failure !== '' && (
            <p class="error" role="alert">
              {failure}
            </p>
          )}
        </form>
      </div>
      <WhatIf text={draft} tools={tools} grants={grants} />
      <PolicyHistory
        file={file}
        versions={versions}
        draft={draft}
        dirty={dirty}
        canRollBack={canSave}
        onRolledBack={(version, from) =>
          void load(`Rolled back: version ${version} has the text of version ${from}.`).catch((e: unknown) =>
            setFailure(messageOf(e)),
          )
        }
      />
    </>
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
