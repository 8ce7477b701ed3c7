/**
 * What a call costs on the counters it counts against. decide() returns a call's charges; a LimitStore takes
 * them (checks every limit and reserves, in one step) before the call is forwarded. Plain data: a charge can be
 * logged, sent to another process and replayed.
 */

/**
 * One limit on a counter, as a charge carries it: the numbers the store checks, and the words of a refusal.
 * Built once per limit when the policy is compiled, and shared by every charge of every call under it.
 */
export interface ChargedLimit {
  /** What set the limit: a JSON Pointer into the policy (`/tools/send_email/limits/0`). */
  readonly rule: string;
  readonly windowMs: number;
  /** At most this much in any interval `windowMs` long. */
  readonly max: number;
  /** Where the limit stands among a call's limits: when a call breaks several, the refusal names the lowest. */
  readonly rank: number;
  /** A refusal's words chosen by the policy (`on_deny`), which replace Toolgate's; null for Toolgate's own. */
  readonly onDeny: string | null;
  /** Toolgate's words: `<reached> reached for tool <subject>: <terms>.` ("Rate limit", "Limit"). */
  readonly reached: string;
  /** `at most 60 calls per minute per grant (counter "mqtt_disconnect_rate")`. */
  readonly terms: string;
}

/** One counter a call charges, with every limit on that counter. A call charges each counter at most once. */
export interface Charge {
  /** The counter: its name and whose usage it counts (`calls@grant:alice`); opaque to stores. */
  readonly counterKey: string;
  /** 1 for a call; the argument's value for a spend cap. Never negative. */
  readonly amount: number;
  /** Every limit on this counter that the call must keep. */
  readonly limits: readonly ChargedLimit[];
  /** The call, as a refusal names it: `"send_email" on server "mail"`. */
  readonly subject: string;
}
