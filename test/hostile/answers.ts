/**
 * What the protocol says must come back for a message, and the checks that every answer is such.
 */
import { REFUSED_TOOLS, type Message } from './grammar.js';

/** A JSON-RPC message as it came back. */
export type Answer = Record<string, unknown>;

/** Problems with one JSON-RPC response: its envelope, and for a refused tool, that it did not run. */
export function responseProblems(message: Message, answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.jsonrpc !== '2.0') problems.push(`answer's jsonrpc is ${JSON.stringify(answer.jsonrpc)}`);
  const hasResult = 'result' in answer;
  const hasError = 'error' in answer;
  if (hasResult === hasError) problems.push('answer has neither or both of result and error');
  if (hasError) problems.push(...errorProblems(answer.error));
  if (hasResult && (typeof answer.result !== 'object' || answer.result === null || Array.isArray(answer.result))) {
    problems.push(`answer's result is not an object: ${short(answer.result)}`);
  }
  if (hasResult && isRefusedCall(message)) {
    const result = answer.result as { isError?: unknown; resultType?: unknown };
    // A denied or held call is a result with isError; a hidden one, or one outside the grant, an error.
    if (result.isError !== true)
      problems.push(`refused tool ${short(message.tool)} answered with a result: ${short(answer.result)}`);
  }
  return problems;
}

/** A JSON-RPC error object as the spec says: an integer code and a string message. */
export function errorProblems(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return [`error is not an object: ${short(error)}`];
  const { code, message } = error as { code?: unknown; message?: unknown };
  const problems: string[] = [];
  if (!Number.isInteger(code)) problems.push(`error code is not an integer: ${short(code)}`);
  if (typeof message !== 'string') problems.push(`error message is not a string: ${short(message)}`);
  return problems;
}

/** A tools/call of a tool the policy refuses (exactly named; look-alikes are judged by the servers' records). */
export function isRefusedCall(message: Message): boolean {
  return message.method === 'tools/call' && REFUSED_TOOLS.includes(message.tool as string);
}

/** JSON-RPC messages of an SSE stream's text: each `data:` event parsed. */
export function sseMessages(text: string): Answer[] {
  const messages: Answer[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data === '') continue;
    messages.push(JSON.parse(data) as Answer);
  }
  return messages;
}

/** A value shortened for a failure message. */
export function short(value: unknown, max = 200): string {
  let text: string;
  if (Buffer.isBuffer(value)) text = value.toString('utf8');
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
