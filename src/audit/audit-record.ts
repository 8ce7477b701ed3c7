import { randomFillSync } from 'node:crypto';

/**
 * What the gateway decided about one tool call. A closed set: every record has exactly one of these, and the
 * words are the ones the log, the CLI's `--decision` filter and a SIEM see.
 *
 * - `allow`: the policy let the call through (in shadow mode too: then `shadowed` says what enforcement would do);
 * - `unrestricted`: a local caller while the config names no policy (the built-in allow-all policy decided);
 * - `deny`: the policy refused the call (a rule, a condition, `"default": "deny"`, or no policy for the grant);
 * - `hide`: the tool is hidden; the caller was answered as for a tool that does not exist;
 * - `rate_limited`: a limit refused the call (when deciding, or when its reservation lost a race);
 * - `require_approval`: the call needs a person's approval and has none yet (pending: the agent is told to retry;
 *   or no one could be asked); it did not run;
 * - `approved`: a person approved the call, and it went on;
 * - `approval_denied`: a person refused the call;
 * - `approval_expired`: nobody answered the approval request in time;
 * - `unknown_tool`: the caller named a tool that no server it may use offers;
 * - `undecided`: the call ended before the policy decided: the gateway failed (`gateway_error`), the client
 *   cancelled (`cancelled`), or the request was beyond a bound of `listen` (`refused`: a name too long, arguments
 *   nested too deep; the message says which);
 * - `not_accepted`: the tool's definition changed (or it is new, or its server's instructions changed) and no
 *   operator has accepted it yet: the call was refused (see src/pinning).
 *
 * Records of method `toolgate/pinning` are not calls: each says what Toolgate noticed in a server's listing, or
 * what an operator accepted. Their decisions: `tool_changed`, `tool_added`, `tool_removed`,
 * `instructions_changed`, `change_accepted`; their outcome is `refused` when the change holds the tool's calls
 * until accepted, `ok` otherwise.
 *
 * Records of method `toolgate/operator` are not calls either: each is a change an operator made through the admin
 * API or the console, with `actor` saying who and `tool` naming what was changed (a grant's label, a policy file,
 * an approval id, a member). Their decisions: `signed_in`, `sign_in_refused` (outcome `refused`), `grant_created`,
 * `grant_changed`, `grant_rotated`, `grant_revoked`, `policy_saved`, `approval_resolved`, `approval_extended`,
 * `member_added`, `member_removed`.
 */
export const AUDIT_DECISIONS = [
  'allow',
  'unrestricted',
  'deny',
  'hide',
  'rate_limited',
  'require_approval',
  'approved',
  'approval_denied',
  'approval_expired',
  'unknown_tool',
  'undecided',
  'not_accepted',
  'tool_changed',
  'tool_added',
  'tool_removed',
  'instructions_changed',
  'change_accepted',
  'signed_in',
  'sign_in_refused',
  'grant_created',
  'grant_changed',
  'grant_rotated',
  'grant_revoked',
  'policy_saved',
  'approval_resolved',
  'approval_extended',
  'member_added',
  'member_removed',
] as const;

export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/**
 * How the call ended, for the caller. A closed set:
 *
 * - `ok`: the server returned a result;
 * - `tool_error`: the server returned a result with `isError: true` (the tool ran and failed);
 * - `refused`: the gateway answered without calling the server (deny, hide, a limit, unknown tool, approval);
 * - `server_error`: the server answered with a JSON-RPC error (it did not run the tool);
 * - `server_unavailable`: the server could not be reached (the call never left the gateway);
 * - `server_failed`: the connection broke while the call was in flight (the tool may have run);
 * - `timeout`: the server did not answer in time (the tool may have run);
 * - `cancelled`: the client cancelled the call, or went away, before it ended;
 * - `gateway_error`: the gateway itself failed.
 */
export const AUDIT_OUTCOMES = [
  'ok',
  'tool_error',
  'refused',
  'server_error',
  'server_unavailable',
  'server_failed',
  'timeout',
  'cancelled',
  'gateway_error',
] as const;

export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** The MCP requests the audit trail records: each names one server's tool, prompt, resource or completion. */
export type CallMethod = 'tools/call' | 'prompts/get' | 'resources/read' | 'completion/complete';

/** What a record is about: a call, or a change to a server's pinned tool definitions (not a call). */
export type AuditMethod = CallMethod | 'toolgate/pinning' | 'toolgate/operator';

/** The decision enforcement would have made, on a call that shadow mode let through. */
interface ShadowedDecision {
  readonly decision: AuditDecision;
  readonly rule: string;
}

/**
 * One tool call, as the audit trail keeps it: who called what, what was decided and why, and how it ended.
 * Exactly one record per call, written when the call ends, whichever way it ends.
 */
export interface AuditRecord {
  /** When the call reached the gateway: epoch milliseconds. */
  readonly time: number;
  /** The client's JSON-RPC request id, as text; null when the endpoint did not pass one on. */
  readonly requestId: string | null;
  /** This record's id: unique, and sorting as the calls' start times do (see newDecisionId). */
  readonly decisionId: string;
  /** The id of the grant the call was made with; null for a local caller. */
  readonly grantId: string | null;
  /** That grant's label. Labels are freed on revocation and may be reused: `grantId` is the lasting identity. */
  readonly grantLabel: string | null;
  /** The client session's id. */
  readonly session: string;
  /**
   * The request: a tool call, or a prompt, resource read or completion (which policies do not decide yet); or
   * `toolgate/pinning` for a change to a server's pinned tool definitions.
   */
  readonly method: AuditMethod;
  /** The id of the server that owns the tool; null when the tool is unknown. */
  readonly serverId: string | null;
  /**
   * What the request named, as its server knows it: the tool's name (as the policy names it), the prompt's, the
   * resource's URI, the completion's prompt or template. The name the client sent when it is unknown.
   */
  readonly tool: string;
  readonly decision: AuditDecision;
  /** The rule that decided: a JSON Pointer into the policy, a sentinel such as `(default deny)`, "" for none. */
  readonly rule: string | null;
  /** What the caller was told when refused, the policy's note when allowed, or the error when the call failed. */
  readonly message: string | null;
  /** The deciding policy's revision; null when no policy decided. */
  readonly policyRevision: string | null;
  /** The approval the call was held for (`apr_…`), whatever became of it; null when none was asked. */
  readonly approvalId: string | null;
  /** In shadow mode, what enforcement would have decided; null otherwise. */
  readonly shadowed: ShadowedDecision | null;
  /** The top-level keys of the call's arguments, in the order the client sent them. */
  readonly argumentKeys: readonly string[];
  /** The arguments themselves, with secrets redacted: present only when the config asks for values. */
  readonly arguments?: unknown;
  /** The argument paths whose values were redacted (`args.password`): present exactly when `arguments` is. */
  readonly redacted?: readonly string[];
  /** The time the call spent in the gateway itself (deciding, routing, reserving): total minus server time. */
  readonly gatewayLatencyMs: number;
  /** The time the server took; null when the call never reached a server. */
  readonly serverLatencyMs: number | null;
  readonly outcome: AuditOutcome;
  /** Who made an operator change (a member's name, `admin-api`): only on `toolgate/operator` records. */
  readonly actor?: string;
}

/**
 * A record as JSON Lines carry it (the CLI's `--json`, `audit export`, the JSONL file sink): every field, with
 * `timeIso` (ISO 8601, UTC) next to `time` for people and SIEMs that parse dates, not epoch numbers.
 */
export function toAuditJson(record: AuditRecord): Record<string, unknown> {
  const { time, ...rest } = record;
  return { time, timeIso: new Date(time).toISOString(), ...rest };
}

/** One JSON Lines line (without the newline) for a record. */
export function toAuditJsonLine(record: AuditRecord): string {
  return JSON.stringify(toAuditJson(record));
}

// Crockford's base32, as ULIDs use it: no I, L, O or U, so ids are unambiguous to read aloud and sort as text.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_DIGITS = 10;
/** 80 random bits, 5 a digit. */
const RANDOM_DIGITS = 16;
/**
 * Random bytes drawn 256 ids at a time: one call into the random source per id cost more than the rest of the id.
 * The ids need to be unique, not secret.
 */
const randomPool = Buffer.alloc(RANDOM_DIGITS * 256);
let poolOffset = randomPool.length;
let lastTime = -1;
let lastTimeText = '';
/** The random part of the last id, one base32 digit (0–31) a byte, most significant first. */
const lastRandom = new Uint8Array(RANDOM_DIGITS);

/**
 * A new decision id: 26 characters in the ULID layout, 48 bits of epoch milliseconds then 80 random bits, in
 * Crockford base32. Ids sort as text in the order they were made: across processes to the millisecond, and
 * strictly within this process (ids made in the same millisecond count up from one random start).
 * @param now epoch milliseconds; tests pass it, the gateway lets it default to the clock.
 */
export function newDecisionId(now: number = Date.now()): string {
  if (now <= lastTime) {
    // Same millisecond (or the clock stepped back): keep the last time and count up, so ids stay ordered.
    for (let index = RANDOM_DIGITS - 1; index >= 0; index--) {
      if (lastRandom[index]! < 31) {
        lastRandom[index]!++;
        break;
      }
      lastRandom[index] = 0;
    }
  } else {
    lastTime = now;
    lastTimeText = base32Time(now);
    if (poolOffset + RANDOM_DIGITS > randomPool.length) {
      randomFillSync(randomPool);
      poolOffset = 0;
    }
    // 256 is a multiple of 32, so the low 5 bits of a random byte are a uniformly random digit.
    for (let index = 0; index < RANDOM_DIGITS; index++) lastRandom[index] = randomPool[poolOffset + index]! & 31;
    poolOffset += RANDOM_DIGITS;
  }
  let text = lastTimeText;
  for (let index = 0; index < RANDOM_DIGITS; index++) text += ALPHABET[lastRandom[index]!];
  return text;
}

/** Epoch milliseconds (48 bits) as 10 base32 digits, in plain numbers: they are exact up to 2^53. */
function base32Time(time: number): string {
  let text = '';
  let value = Math.trunc(time);
  for (let index = 0; index < TIME_DIGITS; index++) {
    text = ALPHABET[value % 32]! + text;
    value = Math.floor(value / 32);
  }
  return text;
}
