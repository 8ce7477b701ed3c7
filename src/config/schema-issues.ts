import type { z } from 'zod';
import type { PathIssue } from '../json/file-issue.js';
import type { JsonPath } from '../json/json-path.js';
import { pathIssuesFromZod } from '../json/schema-issues.js';
import { SERVER_TRANSPORTS, SERVER_TYPES, serverTransportOf } from './schema.js';

/** pathIssuesFromZod for configSchema, whose one union is a server entry. */
export function configPathIssues(issues: readonly z.core.$ZodIssue[]): PathIssue[] {
  return pathIssuesFromZod(issues, [], fromServerUnion);
}

/**
 * The schema's only union is a server entry, and xor reports a failed one as a single issue
 * holding every option's issues. The user meant one option, the one serverTransportOf picks, so
 * only that option's issues are shown.
 */
function fromServerUnion(issue: z.core.$ZodIssueInvalidUnion, path: JsonPath): PathIssue[] {
  const transport = serverTransportOf(issue.input);
  if (transport === undefined) {
    return [
      { path: [...path, 'type'], message: `expected one of: ${SERVER_TYPES.map((type) => `"${type}"`).join(', ')}` },
    ];
  }
  const issues = pathIssuesFromZod(issue.errors[SERVER_TRANSPORTS.indexOf(transport)] ?? [], path, fromServerUnion);
  // Only when several options match, which their exclusive keys rule out; never fail with no reason.
  if (issues.length === 0) return [{ path, message: issue.message }];
  const entry = issue.input;
  if (typeof entry === 'object' && entry !== null && !('type' in entry) && !('command' in entry)) {
    // Nothing says which transport was meant, so say what each one needs.
    const missingCommand = 'missing required key "command"';
    return issues.map((each) =>
      each.message === missingCommand
        ? { ...each, message: `${missingCommand} (or "url" for a server reached over HTTP)` }
        : each,
    );
  }
  return issues;
}
