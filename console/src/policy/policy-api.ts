import { apiGet, apiSend } from '../api.js';
import type { GrantsAnswer } from '../grants/grant-view.js';
import type { ToolsAnswer } from '../tools/tool-row.js';

/**
 * The admin API's policy routes, typed as the console reads them (see the admin API contract). Every call goes
 * through api.ts; these only name the paths and the shapes.
 */

export interface PolicyFile {
  readonly file: string;
  readonly name: string;
  readonly inConfig: boolean;
  /** Labels of the grants that use it. */
  readonly grants: readonly string[];
  readonly version: number | null;
}

export interface CurrentPolicy {
  readonly file: string;
  readonly text: string;
  /** The latest saved version; null for a file never saved from the console. */
  readonly version: number | null;
  readonly savedBy?: string | null;
  readonly savedAt?: string | null;
}

export interface PolicyVersion {
  readonly version: number;
  readonly savedBy: string | null;
  readonly savedAt: string;
  readonly note: string | null;
  readonly current: boolean;
}

export interface PolicyProblem {
  /** A JSON path such as `tools.x.limits`, or `$.tools…` as the CLI prints it. */
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** What `decide()` answers for one call: POST /admin/policies/explain. */
export type Explanation =
  | {
      readonly kind: 'decided';
      readonly decision: { readonly effect: string; readonly rule: string; readonly message: string };
    }
  | { readonly kind: 'unknown_tool'; readonly why: string }
  | { readonly kind: 'unrestricted' };

export const listPolicies = () => apiGet<{ policies: PolicyFile[] }>('/admin/policies');
export const currentPolicy = (file: string) => apiGet<CurrentPolicy>('/admin/policies/current', { file });
export const policyVersions = (file: string) =>
  apiGet<{ versions: PolicyVersion[] }>('/admin/policies/versions', { file });
export const policyVersion = (file: string, version: number) =>
  apiGet<{ text: string; version: number }>('/admin/policies/version', { file, version: String(version) });
export const checkPolicy = (text: string, file: string) =>
  apiSend<{ problems: PolicyProblem[] }>('POST', '/admin/policies/check', { text, file });
export const savePolicy = (file: string, text: string, basedOn: number | null, note: string) =>
  apiSend<{ version: number }>('PUT', '/admin/policies', { file, text, basedOn, ...(note === '' ? {} : { note }) });
export const newPolicy = (name: string) => apiSend<{ file: string }>('POST', '/admin/policies/new', { name });
export const rollbackPolicy = (file: string, version: number) =>
  apiSend<{ version: number }>('POST', '/admin/policies/rollback', { file, version });
export const explainCall = (body: { server: string; tool: string; arguments: unknown; grant?: string; text: string }) =>
  apiSend<Explanation>('POST', '/admin/policies/explain', body);
/** GET /admin/policy/suggest: the document, and which tools it hides or holds for approval (`server:tool`). */
export interface SuggestedPolicy {
  readonly policy: unknown;
  readonly hidden: readonly string[];
  readonly approval: readonly string[];
}
export const suggestedPolicy = () => apiGet<SuggestedPolicy>('/admin/policy/suggest');
export const listTools = () => apiGet<ToolsAnswer>('/admin/tools');
export const listGrants = () => apiGet<GrantsAnswer>('/admin/grants');
