/**
 * Campaigns: many generated hostile messages sent to the gateway over one transport, concurrently, each answer
 * checked against what the protocol says. A campaign never stops at the first failure: it sends everything, and
 * reports how many messages it sent, of which kinds, and the first failures in full (seed, index, bytes, problems)
 * so that any of them can be replayed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { classify, hostileDraft, finish, type Message } from './grammar.js';
import { errorProblems, responseProblems, short, sseMessages, type Answer } from './answers.js';

/** How long any one message may wait for its answer before it counts as a hang. Generous: not a speed test. */
const DEADLINE_MS = 30_000;

interface Failure {
  readonly campaign: string;
  readonly index: number;
  readonly variant: string;
  readonly bytes: string;
  readonly problems: string[];
}

export interface CampaignReport {
  readonly name: string;
  sent: number;
  readonly kinds: Record<string, number>;
  /** Answers that were JSON-RPC responses to the campaign's requests. */
  answered: number;
  hangs: number;
  readonly failures: Failure[];
  /** Failures beyond those kept in full. */
  moreFailures: number;
  /** Notifications the client should never have been sent (foreign progress tokens, resources it never asked for). */
  readonly leaks: string[];
  /** The slowest answers, to see where a campaign's time goes. */
  readonly slowest: Array<[ms: number, what: string]>;
  ms: number;
}

const KEPT_FAILURES = 20;

function newReport(name: string): CampaignReport {
  return {
    name,
    sent: 0,
    kinds: {},
    answered: 0,
    hangs: 0,
    failures: [],
    moreFailures: 0,
    leaks: [],
    slowest: [],
    ms: 0,
  };
}

function fail(report: CampaignReport, index: number, variant: string, message: Message, problems: string[]): void {
  if (problems.length === 0) return;
  if (problems.some((problem) => problem.startsWith('no answer'))) report.hangs++;
  if (report.failures.length >= KEPT_FAILURES) {
    report.moreFailures++;
    return;
  }
  report.failures.push({ campaign: report.name, index, variant, bytes: short(message.bytes, 300), problems });
}

/**
 * The messages of one campaign, generated lazily in chunks from the seed: chunk `k` of campaign `salt` is
 * `fc.sample(arbitrary, { seed: seed + salt + k * 7919 })`, so a run replays from its seed alone.
 */
function* generated<V>(
  seed: number,
  salt: number,
  count: number,
  variants: fc.Arbitrary<V>,
): Generator<{ index: number; message: Message; variant: V }> {
  const chunk = 500;
  let index = 0;
  for (let k = 0; index < count; k++) {
    const sample = fc.sample(fc.tuple(hostileDraft, variants), {
      seed: (seed + salt + k * 7919) | 0,
      numRuns: Math.min(chunk, count - index),
    });
    for (const [draft, variant] of sample) {
      index++;
      yield { index, message: finish(draft, index), variant };
    }
  }
}

/** Runs `work` for every item of `items`, at most `concurrency` at a time. */
async function pool<T>(items: Iterable<T>, concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) await work(next.value);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function count(report: CampaignReport, message: Message): () => void {
  report.sent++;
  report.kinds[message.kind] = (report.kinds[message.kind] ?? 0) + 1;
  const start = performance.now();
  return () => {
    const ms = performance.now() - start;
    const { slowest } = report;
    if (slowest.length >= 10 && ms <= slowest[slowest.length - 1]![0]) return;
    slowest.push([Math.round(ms), short(message.bytes, 160)]);
    slowest.sort((a, b) => b[0] - a[0]);
    slowest.length = Math.min(slowest.length, 10);
  };
}

// ---------------------------------------------------------------- HTTP

const agent = new Agent({ keepAlive: true, maxSockets: 48 });

export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** One HTTP exchange; a string when there was no answer (the deadline passed, or the connection failed). */
export function exchange(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<HttpReply | string> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => resolve(`no answer: the response broke off (${error.message})`));
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(`no answer within ${DEADLINE_MS} ms`);
    }, DEADLINE_MS);
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve(`no answer: the connection failed (${error.message})`);
    });
    req.end(body);
  });
}

/** What a Streamable HTTP answer to `message` must look like, by status. */
function httpAnswerProblems(message: Message, reply: HttpReply, progressTokens: Set<unknown>): string[] {
  const { status, text } = reply;
  if (status >= 500) return [`HTTP ${status}: ${short(text)}`];
  if (status === 202)
    return message.kind === 'request' ? ['a request was answered 202 Accepted, with no response'] : [];
  if (status === 200) {
    const type = String(reply.headers['content-type'] ?? '');
    let answers: Answer[];
    try {
      answers = type.startsWith('text/event-stream') ? sseMessages(text) : [JSON.parse(text) as Answer];
    } catch {
      return [`200 with a body that is not JSON-RPC: ${short(text)}`];
    }
    if (message.kind !== 'request') return [`200 for a ${message.kind}: ${short(text)}`];
    const problems: string[] = [];
    const responses = answers.filter((answer) => 'result' in answer || 'error' in answer);
    const ours = responses.filter((answer) => answer.id === message.id);
    if (ours.length !== 1) problems.push(`${ours.length} responses with the request's id: ${short(text)}`);
    if (responses.length !== ours.length) problems.push(`responses with other ids: ${short(text)}`);
    for (const answer of ours) problems.push(...responseProblems(message, answer));
    for (const answer of answers) problems.push(...notificationProblems(answer, progressTokens));
    return problems;
  }
  // A refusal: a JSON-RPC error with a valid code, for no request or for this one.
  let body: Answer;
  try {
    body = JSON.parse(text) as Answer;
  } catch {
    return [`HTTP ${status} with a body that is not JSON: ${short(text)}`];
  }
  const problems = errorProblems(body.error);
  if (body.jsonrpc !== '2.0') problems.push(`HTTP ${status} error's jsonrpc is ${short(body.jsonrpc)}`);
  // JSON-RPC: the id of the request, or null when it could not be read; a malformed message's own id may be read.
  const ownId = (message.parsed as { id?: unknown } | undefined)?.id;
  if (body.id !== null && body.id !== message.id && body.id !== ownId) {
    problems.push(`HTTP ${status} error for another id: ${short(body.id)}`);
  }
  return problems;
}

/** A notification that reached this client must be for it: its own progress tokens, nothing it did not ask for. */
function notificationProblems(answer: Answer, progressTokens: Set<unknown>): string[] {
  if (answer.method !== 'notifications/progress') return [];
  const token = (answer.params as { progressToken?: unknown } | undefined)?.progressToken;
  return progressTokens.has(token) ? [] : [`progress for a token this client never sent: ${short(answer)}`];
}

/** The progress token a message carries, if any. */
function progressTokenOf(message: Message): unknown {
  const params = (message.parsed as { params?: { _meta?: { progressToken?: unknown } } } | undefined)?.params;
  return params?._meta?.progressToken;
}

/** The status a refusal that comes before the message is read must have, or undefined to judge the message. */
function bodyRefusal(message: Message, maxBodyBytes: number): { status: number; code?: number } | undefined {
  if (message.bytes.length > maxBodyBytes) return { status: 413 };
  // Deeper than any listen.maxArgumentDepth allows (1000, and the message and its params): refused unparsed.
  if (nestingOf(message.bytes.toString('utf8')) > 1002) return { status: 400, code: -32_600 };
  if (message.parsed === undefined) return { status: 400, code: -32_700 };
  if (Array.isArray(message.parsed)) return { status: 400, code: -32_600 };
  return undefined;
}

/** How deep arrays and objects nest in JSON text, brackets inside strings not counted; for text that is not JSON too. */
function nestingOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return deepest;
}

function expectStatus(reply: HttpReply, status: number, code?: number): string[] {
  const problems: string[] = [];
  if (reply.status !== status) problems.push(`expected HTTP ${status}, got ${reply.status}: ${short(reply.text)}`);
  if (code !== undefined && reply.status === status) {
    const body = JSON.parse(reply.text) as { error?: { code?: unknown } };
    if (body.error?.code !== code) problems.push(`expected JSON-RPC error ${code}, got ${short(reply.text)}`);
  }
  return problems;
}

export interface HttpTarget {
  /** The gateway's MCP endpoint, `http://127.0.0.1:PORT/mcp`. */
  readonly url: string;
  readonly token: string;
  readonly otherToken: string;
  readonly maxBodyBytes: number;
}

export const JSON_TYPES = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Opens a 2025-era session with a raw `initialize`; returns its id. */
export async function openSession(target: HttpTarget, token: string): Promise<string> {
  const body = Buffer.from(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'hostile', version: '1' } },
    }),
  );
  const headers = { ...JSON_TYPES, authorization: `Bearer ${token}` };
  const reply = await exchange(target.url, 'POST', headers, body);
  const id = typeof reply === 'string' ? undefined : reply.headers['mcp-session-id'];
  if (typeof id !== 'string') throw new Error(`no session: ${short(reply)}`);
  const initialized = Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}');
  await exchange(
    target.url,
    'POST',
    { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' },
    initialized,
  );
  return id;
}

/** How a 2025-era POST's headers disagree with the session, or not. */
const LEGACY_VARIANTS = [
  'no-session',
  'unknown-session',
  'other-grant-session',
  'other-token',
  'no-auth',
  'bad-token',
  'bad-version',
  'modern-version',
  'accept-json-only',
  'accept-missing',
  'content-type-text',
  'content-type-missing',
] as const;
type LegacyVariant = 'clean' | (typeof LEGACY_VARIANTS)[number];
const legacyVariant: fc.Arbitrary<LegacyVariant> = fc.oneof(
  { weight: 85, arbitrary: fc.constant('clean' as const) },
  { weight: 15, arbitrary: fc.constantFrom(...LEGACY_VARIANTS) },
);

/**
 * Streamable HTTP, 2025 era: generated messages POSTed into sessions the campaign opened, most with headers that
 * agree with the session, some with headers that do not.
 */
export async function legacyHttpCampaign(
  target: HttpTarget,
  seed: number,
  total: number,
  concurrency: number,
): Promise<CampaignReport> {
  const report = newReport('http-2025');
  const started = Date.now();
  const sessions = await Promise.all([1, 2, 3, 4].map(() => openSession(target, target.token)));
  const otherSession = await openSession(target, target.otherToken);
  const progressTokens = new Set<unknown>();
  await pool(generated(seed, 1, total, legacyVariant), concurrency, async ({ index, message, variant }) => {
    const session = sessions[index % sessions.length]!;
    const headers: Record<string, string> = {
      ...JSON_TYPES,
      authorization: `Bearer ${target.token}`,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    };
    switch (variant) {
      case 'no-session':
        delete headers['mcp-session-id'];
        break;
      case 'unknown-session':
        headers['mcp-session-id'] = `${session.slice(0, -4)}ffff`;
        break;
      case 'other-grant-session':
        headers['mcp-session-id'] = otherSession;
        break;
      case 'other-token':
        headers.authorization = `Bearer ${target.otherToken}`;
        break;
      case 'no-auth':
        delete headers.authorization;
        break;
      case 'bad-token':
        headers.authorization = `Bearer ${target.token.slice(0, -3)}xyz`;
        break;
      case 'bad-version':
        headers['mcp-protocol-version'] = '1999-01-01';
        break;
      case 'modern-version':
        headers['mcp-protocol-version'] = '2026-07-28';
        break;
      case 'accept-json-only':
        headers.accept = 'application/json';
        break;
      case 'accept-missing':
        delete headers.accept;
        break;
      case 'content-type-text':
        headers['content-type'] = 'text/plain';
        break;
      case 'content-type-missing':
        delete headers['content-type'];
        break;
    }
    const token = progressTokenOf(message);
    if (token !== undefined) progressTokens.add(token);
    const done = count(report, message);
    const reply = await exchange(target.url, 'POST', headers, message.bytes);
    done();
    if (typeof reply === 'string') return fail(report, index, variant, message, [reply]);
    if (reply.status === 200 && message.kind === 'request') report.answered++;
    fail(report, index, variant, message, legacyProblems(message, variant, reply, target, progressTokens));
  });
  report.ms = Date.now() - started;
  return report;
}

function legacyProblems(
  message: Message,
  variant: LegacyVariant,
  reply: HttpReply,
  target: HttpTarget,
  progressTokens: Set<unknown>,
): string[] {
  if (variant === 'no-auth' || variant === 'bad-token') return expectStatus(reply, 401);
  const refusal = bodyRefusal(message, target.maxBodyBytes);
  if (refusal) return expectStatus(reply, refusal.status, refusal.code);
  const general = httpAnswerProblems(message, reply, progressTokens);
  if (general.length > 0) return general;
  const valid = message.kind !== 'malformed';
  const initialize = message.kind === 'request' && message.method === 'initialize';
  switch (variant) {
    case 'clean':
      if (message.kind === 'request') return initialize ? [] : expectStatus(reply, 200);
      // A notification or response the server cannot accept may be refused with an HTTP error (Streamable HTTP).
      if (message.kind === 'notification')
        return reply.status === 202 || reply.status === 400 ? [] : expectStatus(reply, 202);
      // JSON that is no JSON-RPC message: an Invalid Request (JSON-RPC 2.0).
      return expectStatus(reply, 400, -32_600);
    case 'accept-json-only':
    case 'accept-missing':
      return expectStatus(reply, 406);
    case 'content-type-text':
    case 'content-type-missing':
      return expectStatus(reply, 415);
    case 'unknown-session':
    case 'other-grant-session':
    case 'other-token':
      // Another grant's session is answered as one that does not exist.
      return valid ? expectStatus(reply, 404) : [];
    case 'bad-version':
    case 'modern-version':
      return valid && !initialize ? expectStatus(reply, 400) : [];
    case 'no-session':
      return valid && !initialize ? expectStatus(reply, 400) : [];
  }
}

/** The 2026-07-28 envelope every modern request carries in `params._meta`. */
const ENVELOPE =
  '"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}';

/**
 * The message with the 2026-07-28 envelope put into its params, in its raw text (duplicated keys stay as they
 * are): the params' own `_meta`, if it has one, comes later and wins, as a careless client's would.
 */
export function withEnvelope(message: Message): Message {
  const text = message.bytes.toString('latin1');
  const at = text.indexOf('"params":{');
  let bytes: Buffer;
  if (at !== -1) {
    const open = at + '"params":{'.length;
    const rest = text.slice(open).startsWith('}') ? '' : ',';
    bytes = Buffer.concat([
      message.bytes.subarray(0, open),
      Buffer.from(`"_meta":{${ENVELOPE}}${rest}`),
      message.bytes.subarray(open),
    ]);
  } else if (typeof message.parsed === 'object' && message.parsed !== null && !Array.isArray(message.parsed)) {
    const end = message.bytes.lastIndexOf('}');
    bytes = Buffer.concat([message.bytes.subarray(0, end), Buffer.from(`,"params":{"_meta":{${ENVELOPE}}}}`)]);
  } else {
    return message;
  }
  return classify(bytes, message.method);
}

/** An HTTP header value as the 2026-07-28 spec encodes it: plain ASCII as it is, anything else as Base64. */
export function headerValue(value: string): string {
  const plain = value.length > 0 && value === value.trim() && /^[\x20-\x7e\t]*$/.test(value);
  const sentinel = value.startsWith('=?base64?') && value.endsWith('?=');
  return plain && !sentinel ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

const MODERN_VARIANTS = [
  'version-missing',
  'version-other-era',
  'method-missing',
  'method-mismatch',
  'name-missing',
  'name-mismatch',
  'no-auth',
  'accept-json-only',
  'content-type-text',
] as const;
type ModernVariant = 'clean' | (typeof MODERN_VARIANTS)[number];
const modernVariant: fc.Arbitrary<ModernVariant> = fc.oneof(
  { weight: 85, arbitrary: fc.constant('clean' as const) },
  { weight: 15, arbitrary: fc.constantFrom(...MODERN_VARIANTS) },
);

/** Methods whose name or URI the `Mcp-Name` header mirrors. */
const NAMED = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' } as Record<string, string>;
/** Methods the gateway serves to a 2026-07-28 client: a clean request for one of them is answered 200. */
const MODERN_SERVED = new Set([
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'completion/complete',
]);

/** Streamable HTTP, 2026-07-28 era: stateless POSTs with the envelope and the standard headers, or not. */
export async function modernHttpCampaign(
  target: HttpTarget,
  seed: number,
  total: number,
  concurrency: number,
): Promise<CampaignReport> {
  const report = newReport('http-2026');
  const started = Date.now();
  const progressTokens = new Set<unknown>();
  await pool(generated(seed, 2, total, modernVariant), concurrency, async ({ index, message: plain, variant }) => {
    const message = withEnvelope(plain);
    const parsed = (message.parsed ?? {}) as { method?: unknown; params?: Record<string, unknown> };
    const headers: Record<string, string> = {
      ...JSON_TYPES,
      authorization: `Bearer ${target.token}`,
      'mcp-protocol-version': '2026-07-28',
    };
    if (typeof parsed.method === 'string') headers['mcp-method'] = headerValue(parsed.method);
    const nameKey = typeof parsed.method === 'string' ? NAMED[parsed.method] : undefined;
    const name = nameKey === undefined ? undefined : parsed.params?.[nameKey];
    if (typeof name === 'string') headers['mcp-name'] = headerValue(name);
    switch (variant) {
      case 'version-missing':
        delete headers['mcp-protocol-version'];
        break;
      case 'version-other-era':
        headers['mcp-protocol-version'] = '2025-06-18';
        break;
      case 'method-missing':
        delete headers['mcp-method'];
        break;
      case 'method-mismatch':
        headers['mcp-method'] = 'tools/list';
        break;
      case 'name-missing':
        delete headers['mcp-name'];
        break;
      case 'name-mismatch':
        headers['mcp-name'] = 'good__echo';
        break;
      case 'no-auth':
        delete headers.authorization;
        break;
      case 'accept-json-only':
        headers.accept = 'application/json';
        break;
      case 'content-type-text':
        headers['content-type'] = 'text/plain';
        break;
    }
    const token = progressTokenOf(message);
    if (token !== undefined) progressTokens.add(token);
    const done = count(report, message);
    const reply = await exchange(target.url, 'POST', headers, message.bytes);
    done();
    if (typeof reply === 'string') return fail(report, index, variant, message, [reply]);
    if (reply.status === 200 && message.kind === 'request') report.answered++;
    fail(report, index, variant, message, modernProblems(message, variant, reply, target, progressTokens));
  });
  report.ms = Date.now() - started;
  return report;
}

function modernProblems(
  message: Message,
  variant: ModernVariant,
  reply: HttpReply,
  target: HttpTarget,
  progressTokens: Set<unknown>,
): string[] {
  if (variant === 'no-auth') return expectStatus(reply, 401);
  const refusal = bodyRefusal(message, target.maxBodyBytes);
  if (refusal) return expectStatus(reply, refusal.status, refusal.code);
  const general = httpAnswerProblems(message, reply, progressTokens);
  if (general.length > 0) return general;
  if (variant === 'clean' && message.kind === 'request' && MODERN_SERVED.has(message.method)) {
    // Unless the params' own _meta replaced the envelope (the request is then not a 2026-07-28 one).
    const meta = (message.parsed as { params?: { _meta?: Record<string, unknown> } }).params?._meta;
    if (meta?.['io.modelcontextprotocol/protocolVersion'] === '2026-07-28') return expectStatus(reply, 200);
  }
  return [];
}

// ---------------------------------------------------------------- legacy SSE

/** One open `GET /sse` stream: the messages it delivered, and who waits for which answer. */
interface SseStream {
  readonly endpoint: string;
  readonly waiting: Map<unknown, (answer: Answer) => void>;
  readonly answers: Map<unknown, number>;
  readonly stray: Answer[];
  readonly notifications: Answer[];
  close(): void;
}

async function openSseStream(base: string, token: string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const waiting = new Map<unknown, (answer: Answer) => void>();
    const answers = new Map<unknown, number>();
    const stray: Answer[] = [];
    const notifications: Answer[] = [];
    const req = httpRequest(`${base}/sse`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    });
    req.on('response', (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(event)?.[1];
          const data = /^data: (.*)$/m.exec(event)?.[1] ?? '';
          if (type === 'endpoint') {
            resolve({
              endpoint: new URL(data, base).href,
              waiting,
              answers,
              stray,
              notifications,
              close: () => req.destroy(),
            });
            continue;
          }
          const message = JSON.parse(data) as Answer;
          if (!('id' in message) || 'method' in message) {
            notifications.push(message);
            continue;
          }
          answers.set(message.id, (answers.get(message.id) ?? 0) + 1);
          const waiter = waiting.get(message.id);
          if (waiter) waiter(message);
          else stray.push(message);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const SSE_VARIANTS = ['unknown-session', 'other-token', 'no-auth', 'content-type-text'] as const;
type SseVariant = 'clean' | (typeof SSE_VARIANTS)[number];
const sseVariant: fc.Arbitrary<SseVariant> = fc.oneof(
  { weight: 90, arbitrary: fc.constant('clean' as const) },
  { weight: 10, arbitrary: fc.constantFrom(...SSE_VARIANTS) },
);

/** The 2024-11-05 HTTP+SSE transport: messages POSTed to `/messages`, answers read from the `GET /sse` streams. */
export async function sseCampaign(
  target: HttpTarget,
  seed: number,
  total: number,
  concurrency: number,
): Promise<CampaignReport> {
  const report = newReport('sse');
  const started = Date.now();
  const base = target.url.replace(/\/mcp$/, '');
  const streams = await Promise.all([1, 2, 3].map(() => openSseStream(base, target.token)));
  const progressTokens = new Set<unknown>();
  // Each stream's session is initialized first, as every client does.
  for (const stream of streams) {
    const answered = new Promise<Answer>((resolve) => stream.waiting.set('init', resolve));
    await exchange(
      stream.endpoint,
      'POST',
      { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
      Buffer.from(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 'init',
          method: 'initialize',
          params: {
            protocolVersion: '2024-11-05',
            capabilities: {},
            clientInfo: { name: 'hostile-sse', version: '1' },
          },
        }),
      ),
    );
    await answered;
    stream.waiting.delete('init');
    await exchange(
      stream.endpoint,
      'POST',
      { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
      Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}'),
    );
  }
  try {
    await pool(generated(seed, 3, total, sseVariant), concurrency, async ({ index, message, variant }) => {
      const stream = streams[index % streams.length]!;
      let url = stream.endpoint;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        authorization: `Bearer ${target.token}`,
      };
      if (variant === 'unknown-session') url = url.replace(/sessionId=[^&]*/, 'sessionId=not-a-session');
      if (variant === 'other-token') headers.authorization = `Bearer ${target.otherToken}`;
      if (variant === 'no-auth') delete headers.authorization;
      if (variant === 'content-type-text') headers['content-type'] = 'text/plain';
      const token = progressTokenOf(message);
      if (token !== undefined) progressTokens.add(token);
      // Registered before the POST: the answer may arrive on the stream before the POST's own response.
      const tracked = variant === 'clean' && message.kind === 'request';
      let settle: (answer: Answer | string) => void = () => undefined;
      const answered = new Promise<Answer | string>((resolve) => (settle = resolve));
      if (tracked) stream.waiting.set(message.id, settle);
      const done = count(report, message);
      const reply = await exchange(url, 'POST', headers, message.bytes);
      if (typeof reply === 'string') {
        stream.waiting.delete(message.id);
        return fail(report, index, variant, message, [reply]);
      }
      const problems = ssePostProblems(message, variant, reply, target);
      if (tracked && reply.status === 202) {
        const timer = setTimeout(() => settle(`no answer on the stream within ${DEADLINE_MS} ms`), DEADLINE_MS);
        const answer = await answered;
        clearTimeout(timer);
        if (typeof answer === 'string') problems.push(answer);
        else {
          report.answered++;
          problems.push(...responseProblems(message, answer));
        }
      }
      stream.waiting.delete(message.id);
      done();
      fail(report, index, variant, message, problems);
    });
  } finally {
    for (const stream of streams) {
      for (const [id, times] of stream.answers) {
        if (times > 1) report.leaks.push(`sse: ${times} answers for id ${short(id)}`);
      }
      for (const answer of stream.stray) report.leaks.push(`sse: an answer for an id never sent: ${short(answer)}`);
      for (const notification of stream.notifications) {
        report.leaks.push(...notificationProblems(notification, progressTokens).map((problem) => `sse: ${problem}`));
      }
      stream.close();
    }
  }
  report.ms = Date.now() - started;
  return report;
}

function ssePostProblems(message: Message, variant: SseVariant, reply: HttpReply, target: HttpTarget): string[] {
  if (reply.status >= 500) return [`HTTP ${reply.status}: ${short(reply.text)}`];
  if (variant === 'no-auth') return expectStatus(reply, 401);
  if (variant === 'unknown-session' || variant === 'other-token') return expectStatus(reply, 404);
  const refusal = bodyRefusal(message, target.maxBodyBytes);
  if (refusal) return expectStatus(reply, refusal.status, refusal.code);
  if (variant === 'content-type-text') return expectStatus(reply, 400);
  return expectStatus(reply, message.kind === 'malformed' ? 400 : 202);
}

// ---------------------------------------------------------------- stdio

/** `toolgate stdio` with generated lines written down its stdin, its answers read from its stdout. */
export async function stdioCampaign(
  command: { command: string; args: string[]; cwd: string },
  era: 'legacy' | 'modern',
  seed: number,
  total: number,
  window: number,
  onProcess: (child: ChildProcess) => void,
): Promise<CampaignReport> {
  const report = newReport(`stdio-${era}`);
  const started = Date.now();
  const child = spawn(command.command, command.args, { cwd: command.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  onProcess(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (stderr.length < 200) stderr.push(line);
  });
  const waiting = new Map<unknown, (answer: Answer) => void>();
  const answers = new Map<unknown, number>();
  const progressTokens = new Set<unknown>();
  let nullIdErrors = 0;
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
    let message: Answer;
    try {
      message = JSON.parse(line) as Answer;
    } catch {
      report.leaks.push(`stdout line that is not JSON: ${short(line)}`);
      return;
    }
    if ('method' in message) {
      if ('id' in message) report.leaks.push(`a request from the gateway: ${short(message)}`);
      else report.leaks.push(...notificationProblems(message, progressTokens));
      return;
    }
    if (message.id === null || message.id === undefined) {
      nullIdErrors++;
      return;
    }
    answers.set(message.id, (answers.get(message.id) ?? 0) + 1);
    const waiter = waiting.get(message.id);
    if (waiter) waiter(message);
    else report.leaks.push(`an answer for an id never sent or already answered: ${short(message)}`);
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(`toolgate stdio exited (code ${code}, signal ${signal})`)),
  );
  // Writers wait for one shared 'drain' when the pipe is full, rather than each adding a listener.
  let drained: Promise<void> | undefined;
  const write = async (bytes: Buffer) => {
    if (child.stdin.write(Buffer.concat([bytes, Buffer.from('\n')]))) return;
    drained ??= new Promise<void>((resolve) =>
      child.stdin.once('drain', () => {
        drained = undefined;
        resolve();
      }),
    );
    await drained;
  };
  /** Sends a line and, for a request, waits for its answer (or the deadline, or the process's end). */
  const send = async (message: Message): Promise<Answer | string | undefined> => {
    const token = progressTokenOf(message);
    if (token !== undefined) progressTokens.add(token);
    if (message.kind !== 'request') {
      await write(message.bytes);
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<Answer | string>((resolve) => {
      waiting.set(message.id, resolve);
      timer = setTimeout(() => resolve(`no answer within ${DEADLINE_MS} ms`), DEADLINE_MS);
    });
    await write(message.bytes);
    const answer = await Promise.race([answered, exited]);
    clearTimeout(timer);
    waiting.delete(message.id);
    return answer;
  };
  const opening =
    era === 'legacy'
      ? '{"jsonrpc":"2.0","id":"open","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"hostile","version":"1"}}}'
      : `{"jsonrpc":"2.0","id":"open","method":"server/discover","params":{"_meta":{${ENVELOPE}}}}`;
  const opened = await send(classify(Buffer.from(opening), 'open'));
  if (typeof opened === 'string' || opened === undefined)
    throw new Error(`stdio did not open: ${opened}\n${stderr.join('\n')}`);
  if (era === 'legacy') await write(Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}'));
  // A first list waits for the servers to come up, so that the campaign measures the gateway, not their start.
  const meta = era === 'modern' ? `"params":{"_meta":{${ENVELOPE}}},` : '';
  await send(classify(Buffer.from(`{"jsonrpc":"2.0",${meta}"id":"ready","method":"tools/list"}`), 'ready'));
  await pool(
    generated(seed, era === 'legacy' ? 4 : 5, total, fc.constant('line')),
    window,
    async ({ index, message: plain }) => {
      const message = era === 'modern' ? withEnvelope(plain) : plain;
      const done = count(report, message);
      const answer = await send(message);
      done();
      if (answer === undefined) return;
      if (typeof answer === 'string') return fail(report, index, 'line', message, [answer]);
      report.answered++;
      fail(report, index, 'line', message, responseProblems(message, answer));
    },
  );
  for (const [id, times] of answers) if (times > 1) report.leaks.push(`${times} answers for id ${short(id)}`);
  report.leaks.push(
    `(info) ${nullIdErrors} error answers with id null, for ${report.kinds.malformed ?? 0} malformed lines`,
  );
  const alive = child.exitCode === null && child.signalCode === null;
  if (!alive)
    fail(report, report.sent, 'end', classify(Buffer.from('{}'), '(end)'), [await exited, ...stderr.slice(-20)]);
  child.stdin.end();
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
  report.ms = Date.now() - started;
  return report;
}
