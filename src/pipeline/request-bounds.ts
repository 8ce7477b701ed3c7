import { ErrorCode, GatewayError } from '../errors.js';
import type { CallRequest } from './call-context.js';

/** How much one request may ask of the gateway before anything reads it (the config's `listen` keys). */
export interface RequestBounds {
  /** Longest tool or prompt name, in characters. */
  readonly maxNameLength: number;
  /** Longest resource URI, in characters. */
  readonly maxUriLength: number;
  /** Deepest nesting of a params value (the arguments), the value itself counting as 1. */
  readonly maxArgumentDepth: number;
}

/**
 * bound: the first step of every request that names something, before a name is looked up or an argument read.
 * A name the length of the body would be looked up, logged and stored whole; arguments nested thousands deep
 * would overflow the stack when serialised for the server, and be reported as the server's failure.
 * @throws GatewayError GW_INVALID_PARAMS naming the bound and the config key that sets it.
 */
export function checkBounds(request: CallRequest, bounds: RequestBounds): void {
  const { limit, what, key } = nameBound(request, bounds);
  if (request.name.length > limit) {
    throw new GatewayError(
      ErrorCode.InvalidParams,
      `The ${what} is ${request.name.length} characters long, more than the ${limit} Toolgate accepts (listen.${key}).`,
    );
  }
  for (const [param, value] of Object.entries(request.params)) {
    if (nestedDeeperThan(value, bounds.maxArgumentDepth)) {
      throw new GatewayError(
        ErrorCode.InvalidParams,
        `params.${param} is nested more than ${bounds.maxArgumentDepth} levels deep, the most Toolgate accepts (listen.maxArgumentDepth). The call was not forwarded.`,
      );
    }
  }
}

/** What the audit trail keeps of the name a request gave: all of it within its bound, else a prefix and "…". */
export function recordedName(request: CallRequest, bounds: RequestBounds): string {
  const { limit } = nameBound(request, bounds);
  const { name } = request;
  if (name.length <= limit) return name;
  // Cut between the halves of a surrogate pair, the prefix would end in half a character.
  const end = /[\uD800-\uDBFF]/.test(name.charAt(limit - 1)) ? limit - 1 : limit;
  return `${name.slice(0, end)}…`;
}

function nameBound(
  request: CallRequest,
  bounds: RequestBounds,
): { limit: number; what: string; key: 'maxNameLength' | 'maxUriLength' } {
  switch (request.method) {
    case 'tools/call':
      return { limit: bounds.maxNameLength, what: 'tool name', key: 'maxNameLength' };
    case 'prompts/get':
      return { limit: bounds.maxNameLength, what: 'prompt name', key: 'maxNameLength' };
    case 'resources/read':
      return { limit: bounds.maxUriLength, what: 'resource URI', key: 'maxUriLength' };
    case 'completion/complete':
      // A completion names a prompt by its name, and anything else (a resource template) by its URI.
      return (request.params.ref as { type?: unknown } | undefined)?.type === 'ref/prompt'
        ? { limit: bounds.maxNameLength, what: 'prompt name', key: 'maxNameLength' }
        : { limit: bounds.maxUriLength, what: 'resource URI', key: 'maxUriLength' };
  }
}

/**
 * Whether objects and arrays nest more than `max` levels in `value` (an object is 1). Walks with its own stack,
 * not the call stack, so that no depth can overflow it, and stops at the first value too deep.
 */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: unknown[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const item = pending.pop();
    const depth = depths.pop() ?? 1;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) {
      if (typeof child === 'object' && child !== null) {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
