import type { LimitScope } from './schema.js';

/**
 * Counter keys: a counter's name and whose usage it counts. `name@grant:<id>`, `name@session:<id>`,
 * `name@server:<serverId>` or `name@global`; each part is URI-encoded, so no two counters share a key (the name
 * cannot contain a raw `@`, and the scope is one of four words). A call without a grant (or session) counts in
 * `name@grant` (`name@session`), one counter shared by every such call: stricter, never looser.
 *
 * A key is split in two so that decide() builds it with one concatenation: the part that depends only on the
 * limit (`counterKeyBase`, computed when the policy is compiled) and the id of the call's grant, session or
 * server.
 */

/** What a counter key needs to know of a call. */
export interface CounterKeyCall {
  readonly serverId: string;
  readonly grant?: { readonly id: string };
  readonly sessionId?: string;
}

/** `name@scope`, URI-encoded: the key of a call without a grant (or session), and the start of every other. */
export function counterKeyBase(counter: string, scope: LimitScope): string {
  return `${encodeURIComponent(counter)}@${scope}`;
}

/**
 * The key of the counter whose base is `base` (from counterKeyBase) for one call. `head` is `base + ':'`,
 * passed in by callers that keep it, so that the hot path concatenates once.
 */
export function counterKeyOf(base: string, head: string, scope: LimitScope, call: CounterKeyCall): string {
  switch (scope) {
    case 'grant':
      return call.grant === undefined ? base : head + encodeKeyPart(call.grant.id);
    case 'session':
      return call.sessionId === undefined ? base : head + encodeKeyPart(call.sessionId);
    case 'server':
      return head + encodeKeyPart(call.serverId);
    case 'global':
      return base;
  }
}

/** The key of a counter for one call (see the module's header). */
export function counterKey(counter: string, scope: LimitScope, call: CounterKeyCall): string {
  const base = counterKeyBase(counter, scope);
  return counterKeyOf(base, `${base}:`, scope, call);
}

/** 1 for the characters encodeURIComponent leaves as they are, by code unit. */
const UNRESERVED = new Uint8Array(128);
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
  UNRESERVED[char.charCodeAt(0)] = 1;

/**
 * encodeURIComponent, without its cost for the ids that need no escaping, which are nearly all of them (token
 * ids, UUIDs, server ids): a look at each character is cheaper than the encoding, and needs no cache.
 */
function encodeKeyPart(id: string): string {
  for (let i = 0; i < id.length; i++) {
    const unit = id.charCodeAt(i);
    if (unit >= 128 || UNRESERVED[unit] === 0) return encodeURIComponent(id);
  }
  return id;
}
