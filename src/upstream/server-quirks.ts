import type { JSONRPCMessage, MessageExtraInfo, Transport } from '@modelcontextprotocol/client';
import type { RawResult } from '../raw-result.js';

/**
 * Published servers that mainstream clients use every day send a few things the SDK's schemas refuse. This is the
 * one place where Toolgate mends them, each the way a lenient client reads it; everything else passes untouched.
 */

/**
 * Repairs the `initialize` result as it arrives from the server, before the SDK's client validates it: a
 * `serverInfo` without a string `version` (some servers send none) gets `""`, the value PMCP sends, which the
 * SDK accepts.
 *
 * The transport keeps its own class (the SDK probes the era of a stdio server on a sibling process only for its
 * own `StdioClientTransport`), so the handler the SDK installs is wrapped where it is set.
 */
export function repairServerMessages(transport: Transport): void {
  let handler: Transport['onmessage'];
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    enumerable: true,
    get: () => handler,
    set: (next: Transport['onmessage']) => {
      handler =
        next === undefined
          ? undefined
          : <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => next(repaired(message) as T, extra);
    },
  });
}

function repaired(message: JSONRPCMessage): JSONRPCMessage {
  if (!('result' in message) || typeof message.result !== 'object' || message.result === null) return message;
  const result = message.result as RawResult;
  const serverInfo = result.serverInfo as RawResult | undefined;
  if (typeof serverInfo !== 'object' || serverInfo === null || typeof serverInfo.version === 'string') return message;
  return { ...message, result: { ...result, serverInfo: { ...serverInfo, version: '' } } };
}

/**
 * A tool as clients' SDKs accept it. Keys set to `null` (`"annotations": null` is common) mean "not given" and are
 * left out, since the SDK refuses the whole list over one of them; a missing or non-object `inputSchema` becomes an
 * object schema with no properties, which is what a tool without parameters declares, and one without a `type`
 * gets `"type": "object"`.
 */
export function acceptableTool(tool: RawResult): RawResult {
  let mended: RawResult | undefined;
  for (const [key, value] of Object.entries(tool)) {
    if (value === null && key !== 'name') {
      mended ??= { ...tool };
      delete mended[key];
    }
  }
  const schema = (mended ?? tool).inputSchema as RawResult | undefined;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    mended = { ...(mended ?? tool), inputSchema: { type: 'object', properties: {} } };
  } else if (schema.type === undefined) {
    mended = { ...(mended ?? tool), inputSchema: { type: 'object', ...schema } };
  }
  return mended ?? tool;
}
