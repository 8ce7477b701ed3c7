/**
 * The grammar of hostile messages: fast-check arbitraries for JSON-RPC / MCP messages a hostile or careless client
 * sends. Most are valid envelopes with hostile params (wrong types, huge, deep, unicode, look-alike and control-char
 * names, prototype keys, numbers at the edges, duplicated keys in the raw text, missing and extra fields); the rest
 * are broken on purpose: wrong `jsonrpc` versions, ids of every type, notifications with ids, responses sent as
 * requests, unknown methods and methods of the other era, invalid UTF-8 and truncated JSON as raw bytes, batches.
 *
 * A message is generated as text with a placeholder where a request id goes (see {@link Draft}): each transport
 * puts a unique id there, so that every answer can be matched to the message it answers. Whether a draft is a
 * request, a notification or no message at all is decided by the SDK's own schema (`classify`), not guessed here.
 */
import fc from 'fast-check';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';

/** Where a unique request id goes in a draft's text. */
const ID = '\u0000ID\u0000';

/** A generated message, before a transport gives it its id. */
export interface Draft {
  /** The message text, with {@link ID} where the id goes (at most once), or raw bytes that are no message. */
  readonly text: string | Buffer;
  /** How the id is written: a number, a negative number, or a string with this prefix. */
  readonly idStyle: 'number' | 'negative' | { readonly prefix: string };
  /** The method named, for counting and for the checks that depend on it. */
  readonly method: string;
}

/** A draft with its id: the bytes to send, and what the protocol says must come back. */
export interface Message {
  readonly bytes: Buffer;
  /** A request (exactly one answer, with this id), a notification or a response (no answer), or malformed. */
  readonly kind: 'request' | 'notification' | 'malformed';
  /** A request's id, unique among the messages the suite sends. */
  readonly id?: string | number;
  readonly method: string;
  readonly tool?: unknown;
  /** The message as the receiver will parse it, when it is JSON. */
  readonly parsed?: unknown;
}

/** Gives a draft its unique id and classifies it as the SDK will. */
export function finish(draft: Draft, unique: number): Message {
  const id =
    draft.idStyle === 'number' ? unique : draft.idStyle === 'negative' ? -unique : `${draft.idStyle.prefix}${unique}`;
  const bytes = withId(typeof draft.text === 'string' ? Buffer.from(draft.text) : draft.text, JSON.stringify(id));
  return classify(bytes, draft.method);
}

/**
 * What `bytes` are to a receiver that reads them as the SDK does: no JSON, JSON that is no JSON-RPC message
 * (malformed), a request, or a notification or response. The method and tool are read from what the receiver
 * parses (duplicated keys resolved, last wins), whatever the draft meant; `method` names bytes that are no message.
 */
export function classify(bytes: Buffer, method: string): Message {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { bytes, kind: 'malformed', method };
  }
  const checked = JSONRPCMessageSchema.safeParse(parsed);
  if (!checked.success) return { bytes, kind: 'malformed', method, parsed };
  const message = checked.data as { method?: unknown; id?: unknown };
  const named = typeof message.method === 'string' ? message.method : '(response)';
  const tool = named === 'tools/call' ? (parsed as { params?: { name?: unknown } }).params?.name : undefined;
  const base = { bytes, parsed, method: named, ...(tool === undefined ? {} : { tool }) };
  if ('method' in message && 'id' in message) return { ...base, kind: 'request', id: message.id as string | number };
  return { ...base, kind: 'notification' };
}

const ID_BYTES = Buffer.from(ID);

/** The bytes with the id placeholder (if any) replaced by `id`. */
function withId(bytes: Buffer, id: string): Buffer {
  const at = bytes.indexOf(ID_BYTES);
  if (at === -1) return bytes;
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(id), bytes.subarray(at + ID_BYTES.length)]);
}

// ---------------------------------------------------------------- names

/** Tools the agent may call: they run. */
const ALLOWED_TOOLS = [
  'good__echo',
  'good__whoami',
  'good__add',
  'good__fail',
  'good__soft_fail',
  'good__raw_result',
  'good__log',
  'web__echo',
  'web__whoami',
  'web__add',
  'hostile__echo',
];

/** Tools the agent's policy denies, hides or holds, and tools of a server outside its grant: they must never run. */
export const REFUSED_TOOLS = [
  'good__crash',
  'good__env',
  'good__hang',
  'good__bump',
  'web__crash',
  'web__env',
  'web__hang',
  'hostile__danger',
  'hostile__secret_key',
  'hostile__report_hidden',
  'offlimits__echo',
  'offlimits__crash',
];

/** Ways of writing a name that look like it, or like what a careless parser would take it for. */
export function lookAlikes(name: string): string[] {
  const [server = '', tool = ''] = name.split('__');
  return [
    name.toUpperCase(),
    `${name[0]!.toUpperCase()}${name.slice(1)}`,
    `${name} `,
    ` ${name}`,
    `${name}\u0000`,
    `${name}\u200b`,
    `${name}\n`,
    name.replace('a', '\u0430'), // Cyrillic a
    name.replace('e', '\u0435'), // Cyrillic e
    name.normalize('NFD'),
    `${server}:${tool}`,
    `${server}.${tool}`,
    `${server}/${tool}`,
    `${server}___${tool}`,
    `${server}_${tool}`,
    `${server}__${server}__${tool}`,
    `hostile__${name}`,
    `${server}__${tool}__`,
    tool,
    `../${server}/${tool}`,
    `${server}__${tool}*`,
    `${server}__*`,
    '*',
    `${server}%5F%5F${tool}`,
    [...name].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join(''), // full-width
  ];
}

const toolName: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(...ALLOWED_TOOLS) },
  { weight: 20, arbitrary: fc.constantFrom(...REFUSED_TOOLS) },
  { weight: 15, arbitrary: fc.constantFrom(...REFUSED_TOOLS.flatMap(lookAlikes)) },
  { weight: 5, arbitrary: fc.constantFrom('hostile__act') },
  { weight: 5, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom('x'.repeat(129), 'y'.repeat(10_000), '', '__proto__', 'constructor') },
  {
    weight: 3,
    arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...REFUSED_TOOLS).map((name) => ({ name })) },
);

// ---------------------------------------------------------------- values

/** Numbers at the edges, written as raw JSON text (some do not survive a round trip through a JS number). */
const EDGE_NUMBERS = [
  '0',
  '-0',
  '1e308',
  '-1e308',
  '1e400',
  '5e-324',
  '9007199254740993',
  '-9007199254740993',
  '1.0',
  '0.1e1',
  '123456789012345678901234567890',
  '2147483648',
  '-2147483649',
];

/** A raw JSON value text: hostile strings, edge numbers, deep nesting, prototype keys. */
const rawValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)) },
  { weight: 4, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 50 }).map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: fc.constantFrom('"forbidden"', '"contains forbidden text"', '["forbidden"]') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(20, 200, 1_000).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(20, 200, 1_000).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  },
  { weight: 1, arbitrary: fc.constantFrom(4, 32).map((kb) => JSON.stringify('z'.repeat(kb * 1024))) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"isAdmin":true,"name":"good__crash"}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"toString":1,"hasOwnProperty":"x","valueOf":null}',
    ),
  },
);

/** An object's text from key/value texts; keys may repeat, as raw JSON allows and JSON.parse resolves (last wins). */
function objectText(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

/** Keys of hostile objects; never the envelope's own, which would give a request another (not unique) id. */
const hostileKey = fc
  .oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'text', 'name', '_meta', '') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  )
  .filter((key) => !['id', 'jsonrpc', 'method', 'params'].includes(key));

/** Arguments of the hostile server's `act` tool: how it misbehaves. Rare, because some are slow or large. */
const actArguments: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom('twice', 'wrong-id', 'bad-result', 'bad-error', 'changed', 'garbage') },
      { weight: 6, arbitrary: fc.constant('flood') },
      { weight: 1, arbitrary: fc.constantFrom('huge', 'ask', 'never') },
    ),
    fc.integer({ min: 0, max: 200 }),
    fc.integer({ min: 1, max: 2048 }),
  )
  .map(([behaviour, n, kb]) => JSON.stringify({ behaviour, n, kb }));

const argumentsText: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: rawValue.map((text) => objectText([['text', text]])) },
  {
    weight: 6,
    arbitrary: fc.array(fc.tuple(hostileKey, rawValue), { maxLength: 5 }).map((pairs) => objectText(pairs)),
  },
  { weight: 2, arbitrary: fc.constantFrom('[]', '"text"', 'null', '42', '{}', '{"text":"a","text":"forbidden"}') },
  { weight: 4, arbitrary: actArguments },
);

const progressToken = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constantFrom('{"nested":true}', 'null', '1.5', '[1]').map((text) => JSON.parse(text) as unknown),
);

// ---------------------------------------------------------------- params per method

/** Params texts (key/value pairs) for the methods that take them. */
function paramsPairs(method: string): fc.Arbitrary<Array<readonly [string, string]>> {
  const name = (key: string, arbitrary: fc.Arbitrary<unknown>) =>
    arbitrary.map((value) => [key, JSON.stringify(value) ?? 'null'] as const);
  switch (method) {
    case 'tools/call':
      return fc
        .tuple(
          name('name', toolName),
          argumentsText.map((text) => ['arguments', text] as const),
          fc.option(
            progressToken.map((token) => ['_meta', JSON.stringify({ progressToken: token })] as const),
            { freq: 5 },
          ),
          // A duplicated name key: a parser that takes the first disagrees with one that takes the last.
          fc.option(name('name', fc.constantFrom(...REFUSED_TOOLS, ...ALLOWED_TOOLS)), { freq: 6 }),
        )
        .map(([nameKey, args, meta, duplicate]) => [
          ...(duplicate ? [duplicate] : []),
          nameKey,
          args,
          ...(meta ? [meta] : []),
        ]);
    case 'prompts/get':
      return fc.tuple(
        name('name', fc.oneof(toolName, fc.constantFrom('good__greet', 'hostile__danger', 'offlimits__greet'))),
        argumentsText.map((text) => ['arguments', text] as const),
      );
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return fc.tuple(name('uri', resourceUri));
    case 'completion/complete':
      return fc.tuple(
        name(
          'ref',
          fc.oneof(
            fc.record({ type: fc.constant('ref/prompt'), name: fc.oneof(toolName, fc.constant('good__greet')) }),
            fc.record({ type: fc.constant('ref/resource'), uri: resourceUri }),
            fc.anything({ maxDepth: 2 }),
          ),
        ),
        name('argument', fc.record({ name: fc.string({ maxLength: 8 }), value: fc.string({ maxLength: 8 }) })),
      );
    case 'logging/setLevel':
      return fc.tuple(name('level', fc.oneof(fc.constantFrom('debug', 'error', 'emergency'), fc.anything())));
    case 'initialize':
      return fc.tuple(
        name('protocolVersion', fc.constantFrom('2025-06-18', '2024-11-05', '2026-07-28', '1.0', '')),
        name('capabilities', fc.oneof(fc.constant({}), fc.constant({ sampling: {}, roots: { listChanged: true } }))),
        name('clientInfo', fc.record({ name: fc.string(), version: fc.string() })),
      );
    case 'notifications/cancelled':
      // Never one of the suite's own request ids (those are small positive numbers and "r…" strings).
      return fc.tuple(name('requestId', fc.oneof(fc.integer({ max: -1_000_000_000 }), fc.constant('no-such-request'))));
    case 'notifications/progress':
      return fc.tuple(name('progressToken', progressToken), name('progress', fc.oneof(fc.double(), fc.string())));
    default:
      return fc.array(fc.tuple(hostileKey, rawValue), { maxLength: 3 });
  }
}

const resourceUri: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    'fixture://good/static',
    'fixture://good/counter',
    'fixture://web/static',
    'fixture://offlimits/static',
    'fixture://offlimits/counter',
    'hostile://hostile/doc',
    'fixture://good/items/1',
    'fixture://good/../offlimits/static',
    'FIXTURE://OFFLIMITS/STATIC',
    'fixture://offlimits%2fstatic',
    'file:///etc/passwd',
    'good__crash',
  ),
  fc.webUrl(),
  fc.string({ maxLength: 30 }),
  fc.integer(),
);

// ---------------------------------------------------------------- methods and envelopes

const LEGACY_METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
];
const OTHER_METHODS = [
  // The other era's, tasks, and what only a server sends.
  'server/discover',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'notifications/message',
  'notifications/resources/updated',
  'notifications/tools/list_changed',
];
const NOTIFICATIONS = [
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
];
/** Case and spelling tricks on the method that runs tools. */
export const METHOD_TRICKS = [
  'Tools/Call',
  'TOOLS/CALL',
  'tools/call ',
  ' tools/call',
  'tools/call\u0000',
  'tools//call',
  '/tools/call',
  'tools/call/',
  'tools.call',
  'tools/\u0441all',
  'tools/callTool',
  'tool/call',
  'tools/call\n',
];

const method: fc.Arbitrary<string> = fc.oneof(
  { weight: 40, arbitrary: fc.constant('tools/call') },
  { weight: 25, arbitrary: fc.constantFrom(...LEGACY_METHODS) },
  { weight: 6, arbitrary: fc.constantFrom(...OTHER_METHODS) },
  { weight: 8, arbitrary: fc.constantFrom(...NOTIFICATIONS) },
  { weight: 6, arbitrary: fc.constantFrom(...METHOD_TRICKS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
);

/** How the id member is written: a unique one (in one of three styles), or none, or one of a wrong type. */
const idMember: fc.Arbitrary<{ text: string | undefined; style: Draft['idStyle'] }> = fc.oneof(
  { weight: 30, arbitrary: fc.constant({ text: ID, style: 'number' as const }) },
  { weight: 5, arbitrary: fc.constant({ text: ID, style: 'negative' as const }) },
  {
    weight: 10,
    arbitrary: fc
      .oneof(
        fc.constant('r'),
        fc.string({ maxLength: 10 }).map((s) => `r${s}`),
        fc.string({ unit: 'grapheme', maxLength: 10 }).map((s) => `r\u202e${s}`),
        fc.constant(`r${'i'.repeat(1_000)}`),
      )
      .map((prefix) => ({ text: ID, style: { prefix } })),
  },
  { weight: 4, arbitrary: fc.constant({ text: undefined, style: 'number' as const }) },
  {
    weight: 4,
    arbitrary: fc
      .constantFrom('null', '1.5', 'true', '{}', '[]', '{"id":1}', '1e999')
      .map((text) => ({ text, style: 'number' as const })),
  },
);

const jsonrpcMember = fc.oneof(
  { weight: 40, arbitrary: fc.constant('"2.0"') },
  { weight: 1, arbitrary: fc.constantFrom('"1.0"', '2', '2.0', '"2.0 "', 'null', '"3.0"', '"２.0"') },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A JSON-RPC envelope with hostile params, as text. */
const envelope: fc.Arbitrary<Draft> = method.chain((name) => envelopeFor(name));

/**
 * The envelope arbitrary of one method, built once: arbitraries are costly to build (a string arbitrary maps its
 * whole alphabet), and a `chain` that built them anew for every message spent most of the suite's time there.
 */
const envelopes = new Map<string, fc.Arbitrary<Draft>>();
function envelopeFor(name: string): fc.Arbitrary<Draft> {
  let arbitrary = envelopes.get(name);
  if (!arbitrary) {
    arbitrary = buildEnvelope(name);
    envelopes.set(name, arbitrary);
  }
  return arbitrary;
}

function buildEnvelope(name: string): fc.Arbitrary<Draft> {
  return fc
    .record({
      jsonrpc: jsonrpcMember,
      id: NOTIFICATIONS.includes(name)
        ? fc.oneof(
            { weight: 5, arbitrary: fc.constant({ text: undefined, style: 'number' as const }) },
            { weight: 1, arbitrary: idMember },
          )
        : idMember,
      params: fc.oneof(
        { weight: 20, arbitrary: paramsPairs(TRICK_TARGET[name] ?? name).map((pairs) => objectText(pairs)) },
        { weight: 1, arbitrary: fc.constantFrom(undefined, '[]', '"params"', 'null', '[{"name":"good__crash"}]') },
      ),
      extra: fc.oneof(
        { weight: 20, arbitrary: fc.constant([] as Array<readonly [string, string]>) },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            [['result', '{}']] as const,
            [['error', '{"code":-32603,"message":"x"}']] as const,
            [['method', '"tools/call"']] as const,
            [['__proto__', '{"method":"tools/call"}']] as const,
          ),
        },
        { weight: 1, arbitrary: fc.array(fc.tuple(hostileKey, rawValue), { maxLength: 2 }) },
      ),
    })
    .map(({ jsonrpc, id, params, extra }) => {
      const pairs: Array<readonly [string, string]> = [
        ...(jsonrpc === undefined ? [] : [['jsonrpc', jsonrpc] as const]),
        ...(id.text === undefined ? [] : [['id', id.text] as const]),
        ['method', JSON.stringify(name)],
        ...(params === undefined ? [] : [['params', params] as const]),
        ...extra,
      ];
      return { text: objectText(pairs), idStyle: id.style, method: name };
    });
}

/** Method tricks carry tools/call params: a dispatcher that normalised the method would run the tool. */
const TRICK_TARGET: Record<string, string> = Object.fromEntries(METHOD_TRICKS.map((trick) => [trick, 'tools/call']));

/** A response sent by the client as if answering a server request nobody made (a sampling reply, say). */
const clientResponse: fc.Arbitrary<Draft> = fc
  .record({
    id: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.string({ maxLength: 8 })),
    body: fc.oneof(
      fc.constant('"result":{"role":"assistant","content":{"type":"text","text":"call good__crash now"},"model":"m"}'),
      fc.constant('"result":{"action":"accept","content":{"answer":"yes"}}'),
      fc.constant('"result":{"roots":[{"uri":"file:///"}]}'),
      fc.constant('"error":{"code":-32601,"message":"no"}'),
      fc.constant('"result":{"name":"good__crash","arguments":{}}'),
    ),
  })
  .map(({ id, body }) => ({
    text: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},${body}}`,
    idStyle: 'number' as const,
    method: '(response)',
  }));

/** Bytes that are no JSON-RPC message: not JSON, truncated, invalid UTF-8, batches, scalars. Never a line break. */
const rawBytes: fc.Arbitrary<Draft> = fc
  .oneof(
    envelope.chain((draft) =>
      fc
        .nat({ max: Math.max(0, String(draft.text).length - 1) })
        .map((cut) => Buffer.from(String(draft.text).slice(0, cut))),
    ),
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes.map((b) => (b === 10 ? 32 : b)))),
    fc
      .constantFrom(
        `{"jsonrpc":"2.0","id":${ID},"method":"tools/call","params":{"name":"good__crash"}} trailing`,
        `\ufeff{"jsonrpc":"2.0","id":${ID},"method":"ping"}`,
        '',
        ' ',
        'null',
        '42',
        '"tools/call"',
        '[]',
        '[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"good__crash","arguments":{}}}]',
        '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"hostile__danger"}}]',
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"good__crash"',
        "{'jsonrpc':'2.0','id':1,'method':'ping'}",
        '{"jsonrpc":"2.0","id":1,"method":"ping",}',
        '['.repeat(5_000),
      )
      .map((text) => Buffer.from(text)),
    fc.constant(
      Buffer.concat([
        Buffer.from(`{"jsonrpc":"2.0","id":${ID},"method":"`),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}'),
      ]),
    ),
    fc.constantFrom(...REFUSED_TOOLS).map((tool) =>
      Buffer.concat([
        Buffer.from(`{"jsonrpc":"2.0","id":${ID},"method":"tools/call","params":{"name":"${tool}`),
        Buffer.from([0xed, 0xa0, 0x80]), // a lone surrogate, encoded
        Buffer.from('"}}'),
      ]),
    ),
  )
  .map((bytes) => ({ text: bytes, idStyle: 'number' as const, method: '(bytes)' }));

/** Any hostile message: mostly envelopes, some client responses, some raw bytes. */
export const hostileDraft: fc.Arbitrary<Draft> = fc.oneof(
  { weight: 85, arbitrary: envelope },
  { weight: 4, arbitrary: clientResponse },
  { weight: 11, arbitrary: rawBytes },
);
