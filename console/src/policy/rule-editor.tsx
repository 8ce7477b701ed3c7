import { useState } from 'preact/hooks';
import { ConditionRows } from './condition-rows.js';
import { LimitFields } from './limit-fields.js';
import { EFFECT_KINDS, EFFECT_LABELS, type EffectKind, type RuleForm } from './rule-form.js';

/**
 * The editor of one rule: the effect select, and the fields of the effect chosen. `name` names the rule in every
 * control's accessible name ("Effect for fs read_file"), since a page holds one editor per tool.
 */
export function RuleEditor({
  form,
  onChange,
  name,
  noneLabel,
  hiddenByList = false,
}: {
  form: RuleForm;
  onChange: (form: RuleForm) => void;
  name: string;
  /** What "no rule" means here: "No rule (default: deny)". */
  noneLabel: string;
  /** The policy's `hide` list names the tool: say so, since that is where Hide comes from. */
  hiddenByList?: boolean;
}) {
  // A custom rule with no conditions yet is an allow (or require approval) in the document, and would read back
  // as one: while the user builds it, the editor stays on Custom.
  const [building, setBuilding] = useState(false);
  const kind = building && ['allow', 'require_approval', 'custom'].includes(form.kind) ? 'custom' : form.kind;
  const set = (change: Partial<RuleForm>) => onChange({ ...form, kind, ...change });
  return (
    <div class="rule-editor">
      <select
        aria-label={`Effect for ${name}`}
        value={kind}
        onChange={(event) => {
          const chosen = event.currentTarget.value as EffectKind;
          setBuilding(chosen === 'custom');
          set({ kind: chosen });
        }}
      >
        {EFFECT_KINDS.map((option) => (
          <option key={option} value={option}>
            {option === 'none' ? noneLabel : EFFECT_LABELS[option]}
          </option>
        ))}
      </select>
      {hiddenByList && kind === 'hide' && <span class="muted"> listed under "hide"</span>}
      {(kind === 'deny' || kind === 'require_approval') && (
        <label class="inline">
          Reason
          <input
            class="wide"
            aria-label={`Reason for ${name}`}
            placeholder={kind === 'deny' ? 'What the agent reads when refused' : 'Shown to the approver and the agent'}
            value={form.reason}
            onInput={(event) => set({ reason: event.currentTarget.value })}
          />
        </label>
      )}
      {kind === 'rate_limit' && (
        <LimitFields limit={form.limit} onChange={(limit) => set({ limit })} label={`Rate limit for ${name}`} />
      )}
      {kind === 'custom' && <CustomFields form={form} set={set} name={name} />}
      {form.kept.length > 0 && kind !== 'none' && (
        <p class="muted small">
          Also in this rule, kept as written (edit in JSON): {form.kept.map((key) => `"${key}"`).join(', ')}
        </p>
      )}
    </div>
  );
}

function CustomFields({ form, set, name }: { form: RuleForm; set: (change: Partial<RuleForm>) => void; name: string }) {
  return (
    <div class="custom-rule">
      <fieldset>
        <legend>Only allow when all of these hold (require)</legend>
        <ConditionRows rows={form.require} onChange={(require) => set({ require })} label={`Require for ${name}`} />
      </fieldset>
      {form.denyIf.map((entry, index) => (
        <fieldset key={entry.from ?? `new-${index}`}>
          <legend>Deny when all of these hold (deny_if {index + 1})</legend>
          <ConditionRows
            rows={entry.conditions}
            onChange={(conditions) =>
              set({ denyIf: form.denyIf.map((other, i) => (i === index ? { ...other, conditions } : other)) })
            }
            label={`Deny if ${index + 1} for ${name}`}
          />
          <label class="inline">
            Message when it denies
            <input
              class="wide"
              value={entry.onDeny}
              onInput={(event) =>
                set({
                  denyIf: form.denyIf.map((other, i) =>
                    i === index ? { ...other, onDeny: event.currentTarget.value } : other,
                  ),
                })
              }
            />
          </label>
          <button
            type="button"
            class="secondary"
            onClick={() => set({ denyIf: form.denyIf.filter((_, i) => i !== index) })}
          >
            Remove deny_if {index + 1}
          </button>
        </fieldset>
      ))}
      <button
        type="button"
        class="secondary"
        onClick={() =>
          set({ denyIf: [...form.denyIf, { conditions: [{ path: 'args.', op: 'eq', value: '' }], onDeny: '' }] })
        }
      >
        Add a deny_if entry <span class="visually-hidden">for {name}</span>
      </button>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={form.approval}
          onChange={(event) => set({ approval: event.currentTarget.checked })}
        />
        Then hold the call for approval
      </label>
      {form.approval && (
        <label class="inline">
          Approval reason
          <input class="wide" value={form.reason} onInput={(event) => set({ reason: event.currentTarget.value })} />
        </label>
      )}
    </div>
  );
}
