import type { PathIssue } from '../json/file-issue.js';
import { JsonDocument, type TextIssue } from '../json/json-document.js';
import { formatJsonPath } from '../json/json-path.js';
import { compileValidatedPolicy, type CompiledPolicy } from './compile-policy.js';
import { PolicyError, type PolicyIssue } from './policy-error.js';
import { validatePolicy } from './schema.js';

/**
 * Validates and compiles the text of a policy file; `file` names it in issues and is not read.
 * @throws PolicyError listing every problem found, in file order, each at its line and column.
 */
export function parsePolicy(text: string, file: string): CompiledPolicy {
  return compileValidatedPolicy(parseValidated(text, file, validatePolicy));
}

/**
 * Parses JSON text and validates it, locating every problem at its line and column: the one path every
 * policy-related file (policies, policy tests) is read by, as the config file is read by parseConfig.
 * @throws PolicyError
 */
export function parseValidated<T>(
  text: string,
  file: string,
  validate: (
    value: unknown,
  ) =>
    { readonly success: true; readonly data: T } | { readonly success: false; readonly issues: readonly PathIssue[] },
): T {
  const document = new JsonDocument(text);
  const toPolicyIssue = (issue: TextIssue): PolicyIssue => ({
    file,
    path: formatJsonPath(issue.path),
    ...document.position(issue.offset),
    message: issue.message,
  });
  // Validating what the parser recovered from broken JSON would mostly report its guesses.
  if (document.syntaxErrors.length > 0) throw new PolicyError(document.syntaxErrors.map(toPolicyIssue));
  const result = validate(document.value);
  const located = (issue: PathIssue): TextIssue => ({ ...issue, offset: document.offsetOf(issue.path, issue.at) });
  const issues = [...document.duplicateKeys(), ...(result.success ? [] : result.issues.map(located))];
  if (issues.length > 0 || !result.success) {
    // Array.prototype.sort is stable, so issues at one place keep the order they were found in.
    throw new PolicyError(issues.sort((a, b) => a.offset - b.offset).map(toPolicyIssue));
  }
  return result.data;
}
