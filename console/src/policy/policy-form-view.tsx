import { useState } from 'preact/hooks';
import { Field } from '../components/field.js';
import { RiskBadge } from '../components/risk-badge.js';
import { CATEGORIES, RISKS, type Risk, type ToolRow } from '../tools/tool-row.js';
import {
  classRuleForm,
  defaultEffect,
  globalLimits,
  newGlobalLimit,
  otherToolKeys,
  policyMode,
  setClassRule,
  setDefaultEffect,
  setGlobalLimits,
  setPolicyMode,
  setToolRule,
  toolKeys,
  toolRuleForm,
  type ClassSection,
} from './policy-form.js';
import type { JsonObject } from './policy-text.js';
import { LimitFields } from './limit-fields.js';
import { RuleEditor } from './rule-editor.js';

/**
 * The policy as a form: the default effect, limits for all tools, a rule per tool of the inventory (grouped by
 * server), rules by category and by risk. Every change is an edit of the draft's text (policy-form.ts), so the
 * JSON view beside it follows, and the form follows the JSON.
 */
export function PolicyFormView({
  text,
  doc,
  tools,
  onText,
}: {
  text: string;
  doc: JsonObject;
  tools: readonly ToolRow[];
  onText: (text: string) => void;
}) {
  const fallback = defaultEffect(doc) === 'allow' ? 'allow' : 'deny';
  const servers = [...new Set(tools.map((tool) => tool.server))];
  const others = otherToolKeys(doc, tools);
  return (
    <div class="policy-form">
      <section aria-labelledby="policy-general">
        <h2 id="policy-general">General</h2>
        <div class="filters">
          <Field label="Default effect (tools no rule matches)">
            {(id) => (
              <select
                id={id}
                value={defaultEffect(doc)}
                onChange={(event) => onText(setDefaultEffect(text, doc, event.currentTarget.value as 'allow' | 'deny'))}
              >
                {defaultEffect(doc) === '' && <option value="">(not set)</option>}
                <option value="deny">Deny</option>
                <option value="allow">Allow</option>
              </select>
            )}
          </Field>
          <Field label="Mode">
            {(id) => (
              <select
                id={id}
                value={policyMode(doc)}
                onChange={(event) =>
                  onText(setPolicyMode(text, doc, event.currentTarget.value as 'enforce' | 'shadow'))
                }
              >
                <option value="enforce">Enforce</option>
                <option value="shadow">Shadow (decide and record, refuse nothing)</option>
              </select>
            )}
          </Field>
        </div>
      </section>

      <GlobalLimits text={text} doc={doc} onText={onText} />

      <section aria-labelledby="policy-tools">
        <h2 id="policy-tools">Tools</h2>
        {tools.length === 0 && <p class="muted">No tools listed by the servers yet.</p>}
        {servers.map((server) => (
          <table key={server} class="rules">
            <caption>Server {server}</caption>
            <thead>
              <tr>
                <th scope="col">Tool</th>
                <th scope="col">Risk</th>
                <th scope="col">Rule</th>
              </tr>
            </thead>
            <tbody>
              {tools
                .filter((tool) => tool.server === server)
                .map((tool) => {
                  const keys = toolKeys(doc, tool, tools);
                  const form = toolRuleForm(doc, keys.key, keys.names);
                  return (
                    <tr key={`${tool.server}:${tool.tool}`}>
                      <th scope="row">
                        {tool.tool}
                        {keys.exists && keys.key !== tool.tool && (
                          <div class="muted small">
                            rule <code>{keys.key}</code>
                          </div>
                        )}
                      </th>
                      <td>
                        <RiskBadge risk={tool.risk} category={tool.category} />
                      </td>
                      <td>
                        <RuleEditor
                          form={form}
                          name={`${tool.server} ${tool.tool}`}
                          noneLabel={`No rule (default: ${fallback})`}
                          hiddenByList={form.kind === 'hide' && !keys.exists}
                          onChange={(next) => onText(setToolRule(text, doc, keys.key, next, keys.names))}
                        />
                      </td>
                    </tr>
                  );
                })}
            </tbody>
          </table>
        ))}
        <OtherRules text={text} doc={doc} keys={others} fallback={fallback} onText={onText} />
      </section>

      <ClassRules
        section="categories"
        title="Rules by category"
        names={CATEGORIES}
        text={text}
        doc={doc}
        onText={onText}
      />
      <ClassRules section="risks" title="Rules by risk" names={RISKS} text={text} doc={doc} onText={onText} />
    </div>
  );
}

/** Rules whose keys name no tool of the inventory exactly: globs (`delete_*`), servers not running, `hide` entries. */
function OtherRules({
  text,
  doc,
  keys,
  fallback,
  onText,
}: {
  text: string;
  doc: JsonObject;
  keys: readonly string[];
  fallback: string;
  onText: (text: string) => void;
}) {
  const [newKey, setNewKey] = useState('');
  return (
    <>
      <h3>Other tool rules</h3>
      <p class="muted small">
        Keys that name no listed tool exactly: patterns such as <code>delete_*</code>, <code>server:*</code>, or tools
        of servers not running.
      </p>
      {keys.length > 0 && (
        <table class="rules">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Rule</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => {
              const form = toolRuleForm(doc, key);
              return (
                <tr key={key}>
                  <th scope="row">
                    <code>{key}</code>
                  </th>
                  <td>
                    <RuleEditor
                      form={form}
                      name={key}
                      noneLabel={`No rule (default: ${fallback})`}
                      hiddenByList={form.kind === 'hide'}
                      onChange={(next) => onText(setToolRule(text, doc, key, next))}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          const key = newKey.trim();
          if (key === '') return;
          const form = toolRuleForm(doc, key);
          if (form.kind === 'none') onText(setToolRule(text, doc, key, { ...form, kind: 'allow' }));
          setNewKey('');
        }}
      >
        <label>
          Tool name or pattern
          <input
            class="medium"
            placeholder="server:tool or delete_*"
            value={newKey}
            onInput={(e) => setNewKey(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="secondary">
          Add a rule
        </button>
      </form>
    </>
  );
}

function GlobalLimits({ text, doc, onText }: { text: string; doc: JsonObject; onText: (text: string) => void }) {
  const rows = globalLimits(doc);
  return (
    <section aria-labelledby="policy-all-tools">
      <h2 id="policy-all-tools">Limits for all tools</h2>
      <p class="muted small">Every call counts against these, besides its own rule's limits.</p>
      {rows.map((row, index) => (
        <div class="limit-row" key={row.from ?? `new-${index}`}>
          <LimitFields
            limit={row}
            counterRequired
            label={`Limit for all tools ${index + 1}`}
            onChange={(limit) =>
              onText(
                setGlobalLimits(
                  text,
                  doc,
                  rows.map((other, i) => (i === index ? limit : other)),
                ),
              )
            }
          />
          <button
            type="button"
            class="secondary"
            onClick={() =>
              onText(
                setGlobalLimits(
                  text,
                  doc,
                  rows.filter((_, i) => i !== index),
                ),
              )
            }
          >
            Remove <span class="visually-hidden">limit for all tools {index + 1}</span>
          </button>
        </div>
      ))}
      <button
        type="button"
        class="secondary"
        onClick={() => onText(setGlobalLimits(text, doc, [...rows, newGlobalLimit(doc)]))}
      >
        Add a limit for all tools
      </button>
    </section>
  );
}

function ClassRules({
  section,
  title,
  names,
  text,
  doc,
  onText,
}: {
  section: ClassSection;
  title: string;
  names: readonly string[];
  text: string;
  doc: JsonObject;
  onText: (text: string) => void;
}) {
  const id = `policy-${section}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p class="muted small">
        For the tools no rule under "tools" matches{section === 'risks' ? ', nor a category rule' : ''}.
      </p>
      <table class="rules">
        <thead>
          <tr>
            <th scope="col">{section === 'categories' ? 'Category' : 'Risk'}</th>
            <th scope="col">Rule</th>
          </tr>
        </thead>
        <tbody>
          {names.map((name) => (
            <tr key={name}>
              <th scope="row">{section === 'risks' ? <RiskBadge risk={name as Risk} /> : name}</th>
              <td>
                <RuleEditor
                  form={classRuleForm(doc, section, name)}
                  name={`${section === 'categories' ? 'category' : 'risk'} ${name}`}
                  noneLabel="No rule"
                  onChange={(next) => onText(setClassRule(text, doc, section, name, next))}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
