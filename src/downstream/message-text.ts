import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import { ARGUMENT_DEPTH_CEILING } from '../config/schema.js';
import { ErrorCode } from '../errors.js';
import { readableId } from '../sdk-forks/http-session-transport.js';

/**
 * The deepest nesting a client's message may have: what the highest listen.maxArgumentDepth allows, and the two
 * levels above a params value (the message and its `params`). Anything deeper cannot be a call any config lets
 * through, and JSON.parse of a few MiB of `[` holds the event loop for a second or more: it is refused unparsed.
 * A call between listen.maxArgumentDepth and this is parsed, refused with GW_INVALID_PARAMS, and audited.
 */
export const MAX_MESSAGE_DEPTH = ARGUMENT_DEPTH_CEILING + 2;

/** Why the text of a client's message was refused before it was read as MCP; `id` is null when none could be read. */
export interface MessageRefusal {
  readonly code: ErrorCode;
  readonly message: string;
  readonly id: string | number | null;
}

/**
 * Parses the text of one message from a client, never taking long over a hostile one: text nested deeper than
 * MAX_MESSAGE_DEPTH is refused before JSON.parse sees it (with the message's id, when a top-level `id` can be
 * read). With `validate`, JSON that is no JSON-RPC message is refused too (-32600, with its id when it has one);
 * without it, the caller's transport checks that.
 */
export function parseMessageText(text: string, validate: boolean): { body: unknown } | MessageRefusal {
  if (nestsDeeperThan(text, MAX_MESSAGE_DEPTH)) {
    return {
      code: ErrorCode.BadRequest,
      message: `Invalid Request: the message nests more than ${MAX_MESSAGE_DEPTH} levels deep`,
      id: topLevelId(text),
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { code: ErrorCode.ParseError, message: 'Parse error: the message is not JSON', id: null };
  }
  if (Array.isArray(body)) {
    return {
      code: ErrorCode.BadRequest,
      message: 'Batched JSON-RPC requests are not supported: send one message per request',
      id: null,
    };
  }
  if (validate && !JSONRPCMessageSchema.safeParse(body).success) {
    return { code: ErrorCode.BadRequest, message: 'Invalid Request: not a JSON-RPC message', id: readableId(body) };
  }
  return { body };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const COLON = 0x3a;

/**
 * Whether arrays and objects in JSON text nest more than `max` levels (the outermost counting as 1), brackets
 * inside strings not counted. Text that is not JSON may be answered either way: JSON.parse judges it after.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/**
 * The `id` of the outermost object in JSON text, read without parsing the rest: a string key `"id"` at the top
 * level, followed by a string or an integer. Null when there is none, or it is another kind of value.
 */
export function topLevelId(text: string): string | number | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (depth === 1 && text.slice(i, end + 1) === '"id"') {
        const colon = skipSpace(text, end + 1);
        if (text.charCodeAt(colon) === COLON) return idValue(text, skipSpace(text, colon + 1));
      }
      i = end;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth++;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return null;
}

/** Where the string that starts with the quote at `start` ends (its closing quote), or the text's last index. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return text.length - 1;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text.charAt(i))) i++;
  return i;
}

/** The string or integer at `at`, as an id; null for anything else. */
function idValue(text: string, at: number): string | number | null {
  const value =
    text.charCodeAt(at) === QUOTE
      ? text.slice(at, stringEnd(text, at) + 1)
      : /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at, at + 64))?.[0];
  if (value === undefined) return null;
  try {
    return readableId({ id: JSON.parse(value) as unknown });
  } catch {
    return null;
  }
}
