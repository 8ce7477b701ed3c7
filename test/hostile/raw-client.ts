/**
 * A raw MCP client over Streamable HTTP, for the suite's targeted tests: it sends exactly the bytes and headers it
 * is given (no SDK in between to correct them) and returns every JSON-RPC message that came back.
 */
import { request as httpRequest } from 'node:http';
import { classify } from './grammar.js';
import { exchange, headerValue, JSON_TYPES, openSession, withEnvelope, type HttpTarget } from './campaign.js';
import { sseMessages, type Answer } from './answers.js';

export interface RawAnswer {
  readonly status: number;
  /** The JSON-RPC messages of the body: one for a JSON body, each event's for a stream, none for 202. */
  readonly messages: Answer[];
  readonly text: string;
}

export class RawClient {
  readonly #target: HttpTarget;
  #session: string | undefined;

  constructor(target: HttpTarget) {
    this.#target = target;
  }

  /** The 2025-era session this client posts into, opened on first use. */
  async session(): Promise<string> {
    this.#session ??= await openSession(this.#target, this.#target.token);
    return this.#session;
  }

  /** POSTs `body` (an object, or raw text) into the client's 2025-era session. */
  async legacy(body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
    const session = await this.session();
    return this.#post(typeof body === 'string' ? body : JSON.stringify(body), {
      ...JSON_TYPES,
      authorization: `Bearer ${this.#target.token}`,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
      ...headers,
    });
  }

  /**
   * POSTs `body` as a 2026-07-28 request: the envelope in its params, and the standard headers as the body says,
   * unless `headers` overrides them.
   */
  async modern(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RawAnswer> {
    const message = withEnvelope(classify(Buffer.from(JSON.stringify(body)), String(body.method)));
    const params = (body.params ?? {}) as Record<string, unknown>;
    const name = body.method === 'resources/read' ? params.uri : params.name;
    return this.#post(message.bytes.toString('utf8'), {
      ...JSON_TYPES,
      authorization: `Bearer ${this.#target.token}`,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': headerValue(String(body.method)),
      ...(typeof name === 'string' ? { 'mcp-name': headerValue(name) } : {}),
      ...headers,
    });
  }

  async #post(text: string, headers: Record<string, string>): Promise<RawAnswer> {
    const reply = await exchange(this.#target.url, 'POST', headers, Buffer.from(text));
    if (typeof reply === 'string') throw new Error(reply);
    const type = String(reply.headers['content-type'] ?? '');
    let messages: Answer[] = [];
    if (type.startsWith('text/event-stream')) messages = sseMessages(reply.text);
    else if (reply.text !== '' && type.startsWith('application/json')) messages = [JSON.parse(reply.text) as Answer];
    return { status: reply.status, messages, text: reply.text };
  }
}

/** The response (not a notification) among an answer's messages; throws when there is not exactly one. */
export function responseOf(answer: RawAnswer): Answer {
  const responses = answer.messages.filter((message) => 'result' in message || 'error' in message);
  if (responses.length !== 1) throw new Error(`expected one response, got HTTP ${answer.status}: ${answer.text}`);
  return responses[0]!;
}

/** The text of a tool result's content. */
export function resultText(response: Answer): string {
  const content = (response.result as { content?: Array<{ text?: string }> } | undefined)?.content ?? [];
  return content.map((block) => block.text ?? '').join('\n');
}

/** A 2025-era session's GET stream: the URIs of the `resources/updated` notifications it delivered, in order. */
export interface UpdateStream {
  readonly updates: string[];
  close(): void;
}

export function openStream(target: HttpTarget, session: string): Promise<UpdateStream> {
  return new Promise((resolve, reject) => {
    const updates: string[] = [];
    const req = httpRequest(target.url, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${target.token}`,
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET stream: HTTP ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const end = buffer.lastIndexOf('\n\n');
        if (end === -1) return;
        for (const message of sseMessages(buffer.slice(0, end + 2))) {
          if (message.method === 'notifications/resources/updated') {
            updates.push(String((message.params as { uri?: unknown }).uri));
          }
        }
        buffer = buffer.slice(end + 2);
      });
      resolve({ updates, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}
