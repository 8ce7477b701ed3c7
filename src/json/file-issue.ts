import type { JsonPath } from './json-path.js';

/** One problem found in a file the operator wrote: the gateway config, a policy, a policy test table. */
export interface ConfigIssue {
  /** The file, as it was named to the loader. */
  readonly file: string;
  /** JSONPath of the offending value, or of the key when the key itself is wrong (`$.listen.prot`); `$` for the whole file. */
  readonly path: string;
  /** 1-based line of the offending text; absent when the file itself could not be read. */
  readonly line?: number;
  /** 1-based column, in UTF-16 code units as editors count them; absent with `line`. */
  readonly column?: number;
  /** What was expected, in plain words. Never contains the value of an environment variable. */
  readonly message: string;
}

/**
 * A problem known by its place in the parsed JSON value, before it is located in the text.
 * `at: 'key'` points at the property name rather than its value: for unknown, duplicate and
 * invalid keys the name is what the user has to change.
 */
export interface PathIssue {
  readonly path: JsonPath;
  readonly message: string;
  readonly at?: 'key';
}

/**
 * `file:line:column: $.json.path: message`, the form compilers use, so that terminals and editors
 * link it to the place; `file: message` when the file itself is the problem.
 */
export function formatConfigIssue(issue: ConfigIssue): string {
  if (issue.line === undefined) return `${issue.file}: ${issue.message}`;
  return `${issue.file}:${issue.line}:${issue.column ?? 1}: ${issue.path}: ${issue.message}`;
}
