import { formatConfigIssue, type ConfigIssue } from '../json/file-issue.js';

/** The configuration could not be loaded; `issues` lists every problem found, in file order. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join('\n'));
    this.issues = issues;
  }
}
