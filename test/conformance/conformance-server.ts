/**
 * The conformance fixture: an MCP server that implements the server test
 * surface of the official MCP conformance suite (`@modelcontextprotocol/conformance`),
 * under the exact tool, resource and prompt names its scenarios call.
 *
 * It stands behind Toolgate in the gateway conformance test, so the suite can
 * tell whether the gateway forwards everything a conforming server offers.
 *
 *     node --import tsx test/conformance/conformance-server.ts                  # stdio
 *     node --import tsx test/conformance/conformance-server.ts --http [--port N] # Streamable HTTP
 *
 * Over HTTP it listens on 127.0.0.1 (port 0 = any free port), serves `/mcp`,
 * and prints exactly one line, `listening http://127.0.0.1:PORT/mcp`, to stdout
 * once ready. Everything else goes to stderr, so stdout stays clean for the
 * stdio transport and for whoever parses that line.
 *
 * One factory, {@link createConformanceServer}, defines the surface once for
 * every way it is served: stdio, 2025-era HTTP sessions, and 2026-07-28
 * per-request HTTP.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import {
  NodeStreamableHTTPServerTransport,
  localhostHostValidation,
  localhostOriginValidation,
  toNodeHandler,
  toWebRequest,
} from '@modelcontextprotocol/node';
import {
  CLIENT_CAPABILITIES_META_KEY,
  McpServer,
  ResourceTemplate,
  acceptedContent,
  completable,
  createMcpHandler,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
  isInitializeRequest,
  isJsonContentType,
  isLegacyRequest,
  type CallToolResult,
  type ClientCapabilities,
  type EventStore,
  type GetPromptResult,
  type InputRequests,
  type InputRequiredResult,
  type JSONRPCMessage,
  type ServerContext,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

/** A 1x1 red PNG, for every image the scenarios ask for. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A minimal WAV file, for the audio scenario. */
const WAV_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `requestState` comes back from the client and must be integrity-protected
 * (SEP-2322). A per-process key suffices because one process serves every
 * round of a multi-round-trip flow; a fleet behind a load balancer would share it.
 */
const requestStateCodec = createRequestStateCodec<Record<string, unknown>>({
  key: randomBytes(32),
});

/** A one-field string form for elicitation requests. */
function stringForm(field: string) {
  return { type: 'object' as const, properties: { [field]: { type: 'string' as const } }, required: [field] };
}

/** A yes/no form for elicitation requests. */
const confirmForm = { type: 'object' as const, properties: { ok: { type: 'boolean' as const } }, required: ['ok'] };

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

export interface ConformanceServerOptions {
  /**
   * Publishes list-changed events to open 2026-07-28 `subscriptions/listen`
   * streams; only the HTTP modern leg has one. Without it the trigger tools
   * report that there is nothing to notify.
   */
  notifier?: ServerNotifier;
}

/**
 * Builds one server instance with the whole conformance surface. Called once
 * per stdio connection, per 2025-era HTTP session, and per 2026-07-28 request.
 */
export function createConformanceServer(options: ConformanceServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: 'toolgate-conformance-server', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        // Deprecated in 2026-07-28 but still how a 2025-era client learns it may call logging/setLevel.
        logging: {},
        completions: {},
      },
      // Rejects tampered or expired requestState with -32602 before any handler runs.
      requestState: { verify: requestStateCodec.verify },
    },
  );
  registerContentTools(server);
  registerClientRequestTools(server);
  registerMultiRoundTripTools(server);
  registerStatelessDiagnostics(server, options.notifier);
  registerResources(server);
  registerPrompts(server);
  return server;
}

/** Tools whose results exercise each content type, notifications and errors. */
function registerContentTools(server: McpServer): void {
  server.registerTool('test_simple_text', { description: 'Returns simple text content' }, async () =>
    text('This is a simple text response for testing.'),
  );

  server.registerTool('test_image_content', { description: 'Returns image content' }, async () => ({
    content: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }],
  }));

  server.registerTool('test_audio_content', { description: 'Returns audio content' }, async () => ({
    content: [{ type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav' }],
  }));

  server.registerTool('test_embedded_resource', { description: 'Returns an embedded resource' }, async () => ({
    content: [
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }));

  server.registerTool(
    'test_multiple_content_types',
    { description: 'Returns text, image and resource content together' },
    async () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  );

  server.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three log messages while it runs', inputSchema: z.object({}) },
    async (_args, ctx) => {
      // The pauses make the messages arrive as separate events during the call, which is what the scenario checks.
      for (const step of ['started', 'processing data', 'completed']) {
        await ctx.mcpReq.log('info', `Tool execution ${step}`);
        await sleep(50);
      }
      return text('Tool with logging executed successfully');
    },
  );

  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50, 100 when the caller sent a progress token', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      // The spec forbids progress notifications without a client-supplied token.
      if (progressToken !== undefined) {
        for (const progress of [0, 50, 100]) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
          });
          await sleep(50);
        }
      }
      return text(String(progressToken ?? 'no-progress-token'));
    },
  );

  server.registerTool('test_error_handling', { description: 'Always fails, as a tool error' }, async () => {
    // McpServer turns a thrown error into an `isError: true` result, the shape the scenario expects.
    throw new Error('This tool intentionally returns an error for testing');
  });

  server.registerTool(
    'test_reconnection',
    {
      description: 'Closes its SSE stream mid-call so the client must resume with Last-Event-ID (SEP-1699)',
      inputSchema: z.object({}),
    },
    async (_args, ctx) => {
      // The result is then delivered from the event store on the client's GET reconnection.
      ctx.http?.closeSSE?.();
      await sleep(100);
      return text('Reconnection test completed successfully.');
    },
  );

  // Hand-written JSON Schema: the scenario checks that 2020-12 keywords reach tools/list verbatim
  // (SEP-1613: $schema, $defs, additionalProperties; SEP-2106: $anchor, allOf/anyOf, if/then/else).
  server.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Tool whose input schema uses JSON Schema 2020-12 keywords (SEP-1613, SEP-2106)',
      inputSchema: fromJsonSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: {
          address: {
            $anchor: 'addressDef',
            type: 'object',
            properties: { street: { type: 'string' }, city: { type: 'string' } },
          },
        },
        properties: {
          name: { type: 'string' },
          address: { $ref: '#/$defs/address' },
          contactMethod: { type: 'string', enum: ['phone', 'email'] },
          phone: { type: 'string' },
          email: { type: 'string' },
        },
        allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
        if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
        then: { required: ['phone'] },
        else: { required: ['email'] },
        additionalProperties: false,
      }),
    },
    async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );

  // An `x-mcp-header` argument is mirrored into an `Mcp-Param-Region` HTTP header by 2026-07-28
  // clients, and the server must check the two agree (SEP-2243). A gateway has to forward that header.
  // (A separate constant because the schema typings know no `x-` extension keywords.)
  const region = { type: 'string', description: 'mirrored into Mcp-Param-Region', 'x-mcp-header': 'Region' } as const;
  server.registerTool(
    'test_x_mcp_header',
    {
      description: 'Has an argument mirrored into the Mcp-Param-Region header (SEP-2243)',
      inputSchema: fromJsonSchema<{ region?: string; level?: number }>({
        type: 'object',
        properties: {
          region,
          level: { type: 'integer', description: 'not mirrored' },
        },
      }),
    },
    async (args) => text(`region=${args.region ?? '<none>'}`),
  );
}

/**
 * Tools that need something from the client: an LLM completion or user input.
 *
 * They are written once, in the multi-round-trip style: return
 * `inputRequired(...)` until the retried request carries the answer. A
 * 2026-07-28 client fulfils that itself; on a 2025-era session the SDK turns
 * it into a real server-to-client request on the same session. That is why
 * 2025-era HTTP serving must be sessionful (see {@link startConformanceHttpServer}).
 */
function registerClientRequestTools(server: McpServer): void {
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client for an LLM completion', inputSchema: z.object({ prompt: z.string() }) },
    async ({ prompt }, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const answer = ctx.mcpReq.inputResponses?.['completion'] as { content?: { text?: string } } | undefined;
      if (answer === undefined) {
        return inputRequired({
          inputRequests: {
            completion: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
              maxTokens: 100,
            }),
          },
        });
      }
      return text(`LLM response: ${answer.content?.text ?? JSON.stringify(answer)}`);
    },
  );

  registerElicitingTool(server, 'test_elicitation', 'Asks the user for a username and email', {
    message: (args) => args.message ?? 'Please provide your information',
    requestedSchema: {
      type: 'object',
      properties: {
        username: { type: 'string', description: "User's response" },
        email: { type: 'string', description: "User's email address" },
      },
      required: ['username', 'email'],
    },
    inputSchema: z.object({ message: z.string() }),
  });

  registerElicitingTool(
    server,
    'test_elicitation_sep1034_defaults',
    'Elicits a form with a default for every primitive type (SEP-1034)',
    {
      message: () => 'Please review and update the form fields with defaults',
      requestedSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'User name', default: 'John Doe' },
          age: { type: 'integer', description: 'User age', default: 30 },
          score: { type: 'number', description: 'User score', default: 95.5 },
          status: {
            type: 'string',
            description: 'User status',
            enum: ['active', 'inactive', 'pending'],
            default: 'active',
          },
          verified: { type: 'boolean', description: 'Verification status', default: true },
        },
        required: [],
      },
    },
  );

  registerElicitingTool(
    server,
    'test_elicitation_sep1330_enums',
    'Elicits a form with all five enum variants (SEP-1330)',
    {
      message: () => 'Please select options from the enum fields',
      requestedSchema: {
        type: 'object',
        properties: {
          untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            description: 'Select one option with titles',
            oneOf: [
              { const: 'value1', title: 'First Option' },
              { const: 'value2', title: 'Second Option' },
              { const: 'value3', title: 'Third Option' },
            ],
          },
          legacyEnum: {
            type: 'string',
            description: 'Select one option (legacy)',
            enum: ['opt1', 'opt2', 'opt3'],
            enumNames: ['Option One', 'Option Two', 'Option Three'],
          },
          untitledMulti: {
            type: 'array',
            description: 'Select multiple options',
            minItems: 1,
            maxItems: 3,
            items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          },
          titledMulti: {
            type: 'array',
            description: 'Select multiple options with titles',
            minItems: 1,
            maxItems: 3,
            items: {
              anyOf: [
                { const: 'value1', title: 'First Choice' },
                { const: 'value2', title: 'Second Choice' },
                { const: 'value3', title: 'Third Choice' },
              ],
            },
          },
        },
        required: [],
      },
    },
  );
}

type ElicitSchema = Parameters<typeof inputRequired.elicit>[0]['requestedSchema'];

/** Registers a tool that elicits one form and reports the user's answer. */
function registerElicitingTool(
  server: McpServer,
  name: string,
  description: string,
  spec: { message: (args: { message?: string }) => string; requestedSchema: ElicitSchema; inputSchema?: z.ZodObject },
): void {
  server.registerTool(
    name,
    { description, inputSchema: spec.inputSchema ?? z.object({}) },
    async (args: { message?: string }, ctx: ServerContext): Promise<CallToolResult | InputRequiredResult> => {
      const answer = ctx.mcpReq.inputResponses?.['form'] as { action?: string; content?: unknown } | undefined;
      if (answer === undefined) {
        return inputRequired({
          inputRequests: {
            form: inputRequired.elicit({ message: spec.message(args), requestedSchema: spec.requestedSchema }),
          },
        });
      }
      return text(`Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
    },
  );
}

/** The 2026-07-28 multi-round-trip scenarios (`input-required-result-*`, SEP-2322). */
function registerMultiRoundTripTools(server: McpServer): void {
  // Also serves the result-type, missing-input-response, ignore-extra-params and
  // validate-input scenarios: without an accepted `user_name` it asks again.
  server.registerTool(
    'test_input_required_result_elicitation',
    { description: 'Asks for the caller name with an in-band elicitation', inputSchema: z.object({}) },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const name = acceptedContent<{ name: string }>(ctx.mcpReq.inputResponses, 'user_name')?.name;
      if (typeof name !== 'string') {
        return inputRequired({
          inputRequests: {
            user_name: inputRequired.elicit({ message: 'What is your name?', requestedSchema: stringForm('name') }),
          },
        });
      }
      return text(`Hello, ${name}!`);
    },
  );

  server.registerTool(
    'test_input_required_result_sampling',
    { description: 'Asks for an LLM completion with an in-band sampling request', inputSchema: z.object({}) },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const answer = ctx.mcpReq.inputResponses?.['capital_question'] as { content?: { text?: string } } | undefined;
      if (answer === undefined) {
        return inputRequired({
          inputRequests: {
            capital_question: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
              maxTokens: 100,
            }),
          },
        });
      }
      return text(`Sampling response: ${answer.content?.text ?? JSON.stringify(answer)}`);
    },
  );

  server.registerTool(
    'test_input_required_result_list_roots',
    { description: 'Asks for the client roots with an in-band roots/list request', inputSchema: z.object({}) },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const roots = (ctx.mcpReq.inputResponses?.['client_roots'] as { roots?: Array<{ uri?: string }> } | undefined)
        ?.roots;
      if (!Array.isArray(roots)) {
        return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
      }
      return text(`Client exposed ${roots.length} root(s): ${roots.map((root) => root.uri).join(', ')}`);
    },
  );

  server.registerTool(
    'test_input_required_result_request_state',
    { description: 'Round-trips integrity-protected requestState with an elicitation', inputSchema: z.object({}) },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      // By the time the handler runs, the seam has verified and decoded any echoed state.
      if (
        acceptedContent(ctx.mcpReq.inputResponses, 'confirm') === undefined ||
        ctx.mcpReq.requestState() === undefined
      ) {
        return inputRequired({
          inputRequests: { confirm: inputRequired.elicit({ message: 'Please confirm', requestedSchema: confirmForm }) },
          requestState: await requestStateCodec.mint({ tool: 'request_state', nonce: randomUUID() }),
        });
      }
      return text('state-ok: requestState verified and confirmation received');
    },
  );

  server.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'Asks for elicitation, sampling and roots input in one round', inputSchema: z.object({}) },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const responses = ctx.mcpReq.inputResponses;
      const name = acceptedContent<{ name: string }>(responses, 'user_name')?.name;
      const greeting = (responses?.['greeting'] as { content?: { text?: string } } | undefined)?.content?.text;
      const roots = (responses?.['client_roots'] as { roots?: unknown[] } | undefined)?.roots;
      if (typeof name !== 'string' || typeof greeting !== 'string' || !Array.isArray(roots)) {
        return inputRequired({
          inputRequests: {
            user_name: inputRequired.elicit({ message: 'What is your name?', requestedSchema: stringForm('name') }),
            greeting: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
              maxTokens: 50,
            }),
            client_roots: inputRequired.listRoots(),
          },
          requestState: await requestStateCodec.mint({ tool: 'multiple_inputs', nonce: randomUUID() }),
        });
      }
      return text(`${greeting} ${name}: ${roots.length} root(s) visible`);
    },
  );

  server.registerTool(
    'test_input_required_result_multi_round',
    { description: 'Two elicitation rounds with evolving requestState', inputSchema: z.object({}) },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      // The round lives in the signed state: the 2026-07-28 path keeps nothing between requests.
      const state = ctx.mcpReq.requestState<Record<string, unknown>>();
      const round = state?.['tool'] === 'multi_round' && typeof state['round'] === 'number' ? state['round'] : 0;
      if (round === 0) {
        return inputRequired({
          inputRequests: {
            step1: inputRequired.elicit({ message: 'Step 1: What is your name?', requestedSchema: stringForm('name') }),
          },
          requestState: await requestStateCodec.mint({ tool: 'multi_round', round: 1, nonce: randomUUID() }),
        });
      }
      if (round === 1) {
        const name = acceptedContent<{ name: string }>(ctx.mcpReq.inputResponses, 'step1')?.name ?? 'unknown';
        return inputRequired({
          inputRequests: {
            step2: inputRequired.elicit({
              message: 'Step 2: What is your favorite color?',
              requestedSchema: stringForm('color'),
            }),
          },
          requestState: await requestStateCodec.mint({ tool: 'multi_round', round: 2, name, nonce: randomUUID() }),
        });
      }
      const color = acceptedContent<{ color: string }>(ctx.mcpReq.inputResponses, 'step2')?.color ?? 'unknown';
      return text(
        `Multi-round complete: ${typeof state?.['name'] === 'string' ? state['name'] : 'unknown'} likes ${color}`,
      );
    },
  );

  server.registerTool(
    'test_input_required_result_tampered_state',
    { description: 'Refuses retries whose requestState fails verification', inputSchema: z.object({}) },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      // A tampered state never reaches this point: the seam's verify hook answers -32602 first.
      if (
        ctx.mcpReq.requestState() !== undefined &&
        acceptedContent(ctx.mcpReq.inputResponses, 'confirm') !== undefined
      ) {
        return text('integrity-ok: requestState verified');
      }
      return inputRequired({
        inputRequests: { confirm: inputRequired.elicit({ message: 'Please confirm', requestedSchema: confirmForm }) },
        requestState: await requestStateCodec.mint({ tool: 'tampered_state', nonce: randomUUID() }),
      });
    },
  );

  server.registerTool(
    'test_input_required_result_capabilities',
    {
      description: 'Only asks for input kinds the request declares client capabilities for',
      inputSchema: z.object({}),
    },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      if (ctx.mcpReq.inputResponses !== undefined) {
        return text('Capability-aware input requests fulfilled');
      }
      // `sampling` and `roots` are deprecated capabilities in 2026-07-28, but still how a request declares them.
      // The published typings flatten the envelope to `{}`, hence the cast.
      const envelope = ctx.mcpReq.envelope as Record<string, ClientCapabilities | undefined> | undefined;
      const declared = envelope?.[CLIENT_CAPABILITIES_META_KEY];
      const inputRequests: InputRequests = {};
      if (declared?.elicitation !== undefined) {
        inputRequests['user_name'] = inputRequired.elicit({
          message: 'What is your name?',
          requestedSchema: stringForm('name'),
        });
      }
      if (declared?.sampling !== undefined) {
        inputRequests['greeting'] = inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Generate a short greeting' } }],
          maxTokens: 50,
        });
      }
      if (declared?.roots !== undefined) {
        inputRequests['client_roots'] = inputRequired.listRoots();
      }
      if (Object.keys(inputRequests).length === 0) {
        return text('No declared client capability supports an in-band input request');
      }
      return inputRequired({ inputRequests });
    },
  );
}

/** Fixtures the 2026-07-28 `server-stateless` scenario calls by name (SEP-2575). */
function registerStatelessDiagnostics(server: McpServer, notifier: ServerNotifier | undefined): void {
  server.registerTool(
    'test_missing_capability',
    { description: 'Needs the sampling client capability, to provoke the -32021 rejection', inputSchema: z.object({}) },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      if (ctx.mcpReq.inputResponses?.['llm_answer'] === undefined) {
        return inputRequired({
          inputRequests: {
            llm_answer: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'Reply with the single word: pong' } }],
              maxTokens: 16,
            }),
          },
        });
      }
      return text('sampling round-trip complete');
    },
  );

  // The scenario checks that this response stream carries no top-level JSON-RPC request, so it must not elicit.
  server.registerTool(
    'test_streaming_elicitation',
    { description: 'Answers with result frames only, no server-to-client request', inputSchema: z.object({}) },
    async () => text('stream observed: result frames only'),
  );

  // On 2026-07-28 ctx.mcpReq.log is gated on the request's _meta.logLevel; the scenario omits it and expects silence.
  server.registerTool(
    'test_logging_tool',
    { description: 'Logs through the request-scoped, logLevel-gated channel', inputSchema: z.object({}) },
    async (_args, ctx) => {
      await ctx.mcpReq.log('info', 'test_logging_tool ran');
      return text('logged through the request-scoped channel');
    },
  );

  server.registerTool(
    'test_trigger_tool_change',
    { description: 'Publishes notifications/tools/list_changed to open listen streams', inputSchema: z.object({}) },
    async () => {
      if (notifier === undefined) return text('no listen streams on this transport');
      notifier.toolsChanged();
      return text('tools_list_changed published');
    },
  );

  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'Publishes notifications/prompts/list_changed to open listen streams', inputSchema: z.object({}) },
    async () => {
      if (notifier === undefined) return text('no listen streams on this transport');
      notifier.promptsChanged();
      return text('prompts_list_changed published');
    },
  );
}

function registerResources(server: McpServer): void {
  server.registerResource(
    'static-text',
    'test://static-text',
    { title: 'Static Text Resource', description: 'A static text resource', mimeType: 'text/plain' },
    async () => ({
      contents: [
        { uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
      ],
    }),
  );

  server.registerResource(
    'static-binary',
    'test://static-binary',
    { title: 'Static Binary Resource', description: 'A static binary resource (a PNG image)', mimeType: 'image/png' },
    async () => ({ contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG_BASE64 }] }),
  );

  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { title: 'Resource Template', description: 'Substitutes {id} into the content', mimeType: 'application/json' },
    async (uri, { id }) => ({
      contents: [
        {
          uri: uri.toString(),
          mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }),
        },
      ],
    }),
  );

  server.registerResource(
    'watched-resource',
    'test://watched-resource',
    { title: 'Watched Resource', description: 'A resource to subscribe to', mimeType: 'text/plain' },
    async () => ({
      contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }],
    }),
  );

  // McpServer has no built-in subscription bookkeeping; the scenarios only check that the calls succeed.
  // The fixture never changes a resource, so there is nothing to send updates for.
  server.server.setRequestHandler('resources/subscribe', async () => ({}));
  server.server.setRequestHandler('resources/unsubscribe', async () => ({}));
}

function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'test_simple_prompt',
    { title: 'Simple Test Prompt', description: 'A prompt without arguments' },
    async (): Promise<GetPromptResult> => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
    }),
  );

  // `completable` gives completion/complete something real to answer for arg1.
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt With Arguments',
      description: 'A prompt with two required arguments',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), (value) =>
          ['paris', 'park', 'party', 'test', 'testing'].filter((word) => word.startsWith(value)),
        ),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    async ({ arg1, arg2 }): Promise<GetPromptResult> => ({
      messages: [
        { role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
      ],
    }),
  );

  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt With Embedded Resource',
      description: 'A prompt that embeds the resource it is given',
      argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
    },
    async ({ resourceUri }): Promise<GetPromptResult> => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );

  server.registerPrompt(
    'test_prompt_with_image',
    { title: 'Prompt With Image', description: 'A prompt that includes an image' },
    async (): Promise<GetPromptResult> => ({
      messages: [
        { role: 'user', content: { type: 'image', data: PNG_BASE64, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }),
  );

  // prompts/get may also answer input_required on 2026-07-28 (input-required-result-non-tool-request).
  server.registerPrompt(
    'test_input_required_result_prompt',
    { title: 'Multi-round-trip Prompt', description: 'Asks for context with an elicitation before rendering' },
    async (ctx): Promise<GetPromptResult | InputRequiredResult> => {
      // Without argsSchema the callback's only argument is the context, which the overloads leave untyped.
      const context = acceptedContent<{ context: string }>(ctx.mcpReq.inputResponses, 'user_context')?.context;
      if (typeof context !== 'string') {
        return inputRequired({
          inputRequests: {
            user_context: inputRequired.elicit({
              message: 'What context should the prompt use?',
              requestedSchema: stringForm('context'),
            }),
          },
        });
      }
      return { messages: [{ role: 'user', content: { type: 'text', text: `Use the following context: ${context}` } }] };
    },
  );
}

/**
 * Keeps every event sent on a session's SSE streams so a client that lost a
 * stream can resume it with `Last-Event-ID` (SEP-1699). Unbounded: it lives
 * only as long as one test run.
 */
class InMemoryEventStore implements EventStore {
  private readonly events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}:${this.events.length}`;
    this.events.push({ id, streamId, message });
    return id;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const index = this.events.findIndex((event) => event.id === lastEventId);
    const streamId = this.events[index]?.streamId ?? lastEventId.slice(0, lastEventId.lastIndexOf(':'));
    for (const event of this.events.slice(index + 1)) {
      if (event.streamId === streamId) await send(event.id, event.message);
    }
    return streamId;
  }
}

export interface ConformanceHttpServer {
  /** The MCP endpoint, `http://127.0.0.1:PORT/mcp`. */
  url: string;
  close(): Promise<void>;
}

/** Request bodies beyond this are refused; the suite never sends more than a few KiB. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Serves the fixture over Streamable HTTP on 127.0.0.1, both protocol eras on one endpoint:
 *
 * - 2025-era requests (`isLegacyRequest`) go to a sessionful
 *   `NodeStreamableHTTPServerTransport`, one server instance per session. The
 *   session is what lets a tool call send sampling and elicitation requests
 *   back to the client, and lets a client resume a dropped stream.
 * - 2026-07-28 requests go to `createMcpHandler(..., { legacy: 'reject' })`,
 *   which serves each request statelessly from a fresh instance.
 */
export async function startConformanceHttpServer(options: { port?: number } = {}): Promise<ConformanceHttpServer> {
  const modern = createMcpHandler(() => createConformanceServer({ notifier: modern.notify }), {
    legacy: 'reject',
    onerror: (error) => console.error('[conformance-server] modern handler:', error.message),
  });
  const serveModern = toNodeHandler(modern);
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();

  async function serveLegacy(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing !== undefined) return existing.handleRequest(req, res, body);
    if (sessionId !== undefined) return sendJsonRpcError(res, 404, -32001, 'Session not found');
    if (!isInitializeRequest(body))
      return sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');

    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new InMemoryEventStore(),
      // Tells a client whose stream was closed mid-call how soon to reconnect (SEP-1699).
      retryInterval: 1000,
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    const server = createConformanceServer();
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
      void server.close();
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  const validateHost = localhostHostValidation();
  const validateOrigin = localhostOriginValidation();

  const httpServer = createServer((req, res) => {
    void (async () => {
      // DNS-rebinding protection: a local server must refuse foreign Host and Origin headers.
      if (!validateHost(req, res) || !validateOrigin(req, res)) return;
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      let body: unknown;
      if (req.method === 'POST') {
        if (!isJsonContentType(req.headers['content-type']))
          return sendJsonRpcError(res, 415, -32000, 'Content-Type must be application/json');
        const raw = await readBody(req);
        if (raw === undefined) return sendJsonRpcError(res, 413, -32000, 'Request body too large');
        try {
          body = JSON.parse(raw);
        } catch {
          return sendJsonRpcError(res, 400, -32700, 'Parse error');
        }
      }
      // The body was consumed above, so the era probe and both legs get it pre-parsed.
      const legacy = await isLegacyRequest(await toWebRequest(req, body), body);
      await (legacy ? serveLegacy(req, res, body) : serveModern(req, res, body));
    })().catch((error: unknown) => {
      console.error('[conformance-server] request failed:', error);
      if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal error');
      else res.end();
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, '127.0.0.1', () => {
      const address = httpServer.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      await Promise.allSettled([...sessions.values()].map((transport) => transport.close()));
      await modern.close();
      // Open SSE streams would otherwise keep close() waiting.
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/** Reads a request body as text, or `undefined` once it exceeds {@link MAX_BODY_BYTES}. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** A conformance server running as a child process, as a gateway's upstream would. */
export interface SpawnedConformanceServer extends ConformanceHttpServer {
  pid: number;
}

/**
 * How to start this server as a program: `{ command, args, cwd }`, for a
 * stdio client (or a gateway's stdio upstream). Add `--http` for HTTP.
 * The cwd is the project root, where `--import tsx` resolves.
 */
export const conformanceServerCommand = {
  command: process.execPath,
  args: ['--import', 'tsx', fileURLToPath(import.meta.url)],
  cwd: fileURLToPath(new URL('../..', import.meta.url)),
};

/**
 * Starts this file with `--http` in a child process and resolves once it
 * prints its `listening` line (or rejects after `timeoutMs`). The child's
 * stderr is inherited, so its logs land next to the test's.
 */
export async function spawnConformanceServer(options: { timeoutMs?: number } = {}): Promise<SpawnedConformanceServer> {
  const { command, args, cwd } = conformanceServerCommand;
  const child = spawn(command, [...args, '--http'], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('conformance server did not start in time')),
        options.timeoutMs ?? 30_000,
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        const match = /^listening (http:\/\/\S+)$/.exec(line);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`conformance server exited early with code ${code}`));
      });
    });
    return { url, pid: child.pid ?? -1, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { http: { type: 'boolean' }, port: { type: 'string' } } });
  if (!values.http) {
    serveStdio(() => createConformanceServer());
    console.error('[conformance-server] serving over stdio');
    return;
  }
  const server = await startConformanceHttpServer({ port: Number(values.port ?? 0) });
  console.log(`listening ${server.url}`);
  const shutdown = () => void server.close().finally(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

// Run only as a program, not when imported by a test.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error('[conformance-server] failed to start:', error);
    process.exit(1);
  });
}
