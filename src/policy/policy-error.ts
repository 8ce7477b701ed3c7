import { formatConfigIssue, type ConfigIssue, type PathIssue } from '../json/file-issue.js';
import { formatJsonPath } from '../json/json-path.js';

/**
 * One problem found in a policy file (or a policy test file): the config module's issue shape, so that both
 * kinds of file report `file:line:column: $.json.path: message` the same way.
 */
export type PolicyIssue = ConfigIssue;

/**
 * `file:line:column: $.path: message`; for a problem known only by its path (a policy given as a value, not
 * text), `file: $.path: message`.
 */
function formatPolicyIssue(issue: PolicyIssue): string {
  if (issue.line === undefined && issue.path !== '$') return `${issue.file}: ${issue.path}: ${issue.message}`;
  return formatConfigIssue(issue);
}

/**
 * A policy could not be loaded; `issues` lists every problem found, in file order. Separate from ConfigError:
 * a bad policy and a bad gateway config are different failures (a reload keeps the previous policy).
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly issues: PolicyIssue[];

  constructor(issues: PolicyIssue[]) {
    super(issues.map(formatPolicyIssue).join('\n'));
    this.issues = issues;
  }

  /** Issues known only by their path in the value. */
  static fromPathIssues(file: string, issues: readonly PathIssue[]): PolicyError {
    return new PolicyError(issues.map((issue) => ({ file, path: formatJsonPath(issue.path), message: issue.message })));
  }
}
