import { z } from 'zod';
import type { PathIssue } from '../json/file-issue.js';
import { pathIssuesFromZod, plainMessage } from '../json/schema-issues.js';
import type { CompiledPolicy } from './compile-policy.js';
import { MemoryLimitStore } from '../limits/memory-limit-store.js';
import { decide, limitDenial, type Decision, type EnforcedDecision } from './decide.js';
import { parseValidated } from './parse-policy.js';
import { CATEGORIES, RISKS } from '../risk/classification.js';
import { TOOL_ACTIONS } from './schema.js';

/**
 * `toolgate policy test FILE`: a table of calls and the decision each must get, run against a policy. Cases
 * run in order against one set of counters (an in-memory limit store, checked as the gateway's limit step
 * checks it), at a simulated time, and every allowed call counts as if it had succeeded, so a table can walk
 * through a rate limit: sixty calls, the sixty-first refused, and one allowed again a minute later.
 *
 * A case checks what the policy decides when enforced: in shadow mode, the decision it would have made. A
 * table written while a policy runs in shadow mode keeps passing when the policy is switched to enforce.
 */

const caseSchema = z
  .strictObject({
    name: z.string().optional().describe('Shown in the report; defaults to the case number and tool.'),
    tool: z.string().min(1).describe("The tool's name as its server gives it."),
    server: z.string().optional().describe('The server id; without it, only keys that name no server match.'),
    args: z
      // Not a record schema, which would drop a "__proto__" key; not a custom check, which would stop every other check.
      .custom<Record<string, unknown>>()
      .superRefine((value, ctx) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          ctx.addIssue({ code: 'custom', message: 'expected an object' });
        }
      })
      .optional()
      .describe("The call's arguments."),
    category: z
      .enum(CATEGORIES)
      .optional()
      .describe('The category Toolgate gives the tool, for `categories` rules; give `risk` with it.'),
    risk: z
      .enum(RISKS)
      .optional()
      .describe('The risk Toolgate gives the tool, for `risks` rules; give `category` with it.'),
    grant: z.string().min(1).optional().describe('The id of the grant the call is made with.'),
    session: z.string().min(1).optional().describe('The client session, for limits with scope "session".'),
    at_seconds: z
      .number()
      .min(0)
      .optional()
      .describe("When the call is made, in seconds from the start of the table; defaults to the previous case's time."),
    repeat: z
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe('Make the call this many times; each must get the expected decision.'),
    expect: z.strictObject({
      effect: z.enum(TOOL_ACTIONS),
      rule: z
        .string()
        .optional()
        .describe('The rule exactly: a JSON Pointer, "(default deny)", "(hidden)" or "(no policy)".'),
      message: z.string().optional().describe('Text the message must contain.'),
    }),
  })
  .superRefine((each, ctx) => {
    // A class is both: a rule by category or by risk needs the whole of it to be looked for.
    if ((each.category === undefined) !== (each.risk === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [each.category === undefined ? 'category' : 'risk'],
        message: 'give "category" and "risk" together, or neither',
      });
    }
  });

const suiteSchema = z
  .strictObject({
    $schema: z.string().optional(),
    policy: z.string().optional().describe('The policy file, relative to this file.'),
    cases: z.array(caseSchema),
  })
  // Run even when a case has other problems (then the value may be malformed), so every problem is reported at once.
  .superRefine(checkTimeOrder, { when: () => true });

export type PolicyTestCase = z.output<typeof caseSchema>;
export type PolicyTestSuite = z.output<typeof suiteSchema>;

/** Simulated time only moves forward: a table reads top to bottom as one timeline. */
function checkTimeOrder(suite: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  const cases = (suite as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) return;
  let time = 0;
  cases.forEach((each: unknown, i) => {
    const at = (each as { at_seconds?: unknown } | null)?.at_seconds;
    if (typeof at !== 'number') return;
    if (at < time) {
      ctx.addIssue({
        code: 'custom',
        path: ['cases', i, 'at_seconds'],
        message: `time cannot go back: the previous case is at ${time} s`,
      });
    }
    time = Math.max(time, at);
  });
}

/**
 * Validates a parsed policy test table.
 * @returns the table, or every problem found, each at its path.
 */
function validatePolicyTestSuite(
  value: unknown,
):
  | { readonly success: true; readonly data: PolicyTestSuite }
  | { readonly success: false; readonly issues: PathIssue[] } {
  const result = suiteSchema.safeParse(value, { error: plainMessage, reportInput: true });
  return result.success
    ? { success: true, data: result.data }
    : { success: false, issues: pathIssuesFromZod(result.error.issues) };
}

/**
 * Parses the text of a policy test file.
 * @throws PolicyError listing every problem, at its line and column.
 */
export function parsePolicyTestSuite(text: string, file: string): PolicyTestSuite {
  return parseValidated(text, file, validatePolicyTestSuite);
}

/** The outcome of one case. */
interface PolicyTestResult {
  /** 0-based position in `cases`. */
  readonly index: number;
  readonly name: string;
  readonly pass: boolean;
  /** What differed from `expect`, one line each; empty when the case passed. */
  readonly failures: readonly string[];
  /** The decision checked: of the failing run, or of the last run. */
  readonly decision: Decision;
  /** The run (1-based, up to `repeat`) the decision is from. */
  readonly run: number;
}

export interface PolicyTestReport {
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly PolicyTestResult[];
}

/** Time 0 of a table: a fixed instant, so that a table's results never depend on when it is run. */
const POLICY_TEST_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * Runs a table of cases against a policy (null: a client with no policy). No I/O: time is simulated from
 * POLICY_TEST_EPOCH_MS, and counters start empty and live in memory.
 */
export async function runPolicyTests(
  policy: CompiledPolicy | null,
  cases: readonly PolicyTestCase[],
): Promise<PolicyTestReport> {
  const limits = new MemoryLimitStore();
  let seconds = 0;
  const results: PolicyTestResult[] = [];
  for (const [index, each] of cases.entries()) {
    seconds = each.at_seconds ?? seconds;
    const now = POLICY_TEST_EPOCH_MS + Math.round(seconds * 1000);
    const name = each.name ?? `#${index + 1} ${each.tool}`;
    const repeat = each.repeat ?? 1;
    let result: PolicyTestResult | undefined;
    for (let run = 1; run <= repeat; run++) {
      let decision: Decision = decide(policy, {
        serverId: each.server ?? '',
        tool: each.tool,
        ...(each.category === undefined || each.risk === undefined
          ? {}
          : { toolClass: { category: each.category, risk: each.risk } }),
        arguments: each.args ?? {},
        ...(each.grant === undefined ? {} : { grant: { id: each.grant } }),
        ...(each.session === undefined ? {} : { sessionId: each.session }),
        now,
      });
      if (decision.effect === 'allow' && !decision.shadow) {
        const taken = await limits.take(decision.charges, now);
        // The call is taken to have succeeded: its charges stay counted.
        if (taken.ok) await limits.commit(taken.reservation);
        else decision = limitDenial(decision, taken.refusal);
      } else if (decision.effect === 'require_approval') {
        // As the gateway does: a call its limits refuse is refused, not put to a person.
        const refusal = await limits.peek(decision.charges, now);
        if (refusal !== null) decision = limitDenial(decision, refusal);
      }
      const failures = compare(decision.shadow ? decision.shadowed : decision, each.expect);
      result = { index, name, pass: failures.length === 0, failures, decision, run };
      if (failures.length > 0) break;
    }
    results.push(result as PolicyTestResult);
  }
  const passed = results.filter((result) => result.pass).length;
  return { passed, failed: results.length - passed, results };
}

function compare(decision: EnforcedDecision, expect: PolicyTestCase['expect']): string[] {
  const failures: string[] = [];
  if (decision.effect !== expect.effect) failures.push(`effect: expected ${expect.effect}, got ${decision.effect}`);
  if (expect.rule !== undefined && decision.rule !== expect.rule) {
    failures.push(`rule: expected ${JSON.stringify(expect.rule)}, got ${JSON.stringify(decision.rule)}`);
  }
  if (expect.message !== undefined && !decision.message.includes(expect.message)) {
    failures.push(
      `message: expected it to contain ${JSON.stringify(expect.message)}, got ${JSON.stringify(decision.message)}`,
    );
  }
  return failures;
}
