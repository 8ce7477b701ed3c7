import type { ChildProcess } from 'node:child_process';
import { PassThrough, type Writable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { batchStdioWrites } from '../../src/sdk-forks/stdio-write-batch.js';

/** A child that reports every chunk it reads from stdin as one JSON-RPC notification. */
const CHUNK_REPORTER = `process.stdin.on('data', (chunk) => process.stdout.write(JSON.stringify({
  jsonrpc: '2.0', method: 'chunk', params: { text: chunk.toString() } }) + '\\n'));`;

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('batchStdioWrites', () => {
  let transport: StdioClientTransport | StdioServerTransport | undefined;
  afterEach(async () => {
    await transport?.close();
    transport = undefined;
  });

  it('holds the messages of one event-loop turn to a server for one write, in order', async () => {
    const client = new StdioClientTransport({ command: process.execPath, args: ['-e', CHUNK_REPORTER] });
    transport = client;
    batchStdioWrites(client);
    const received: string[] = [];
    client.onmessage = (message) => received.push((message as unknown as { params: { text: string } }).params.text);
    await client.start();
    // The patch reads the SDK's private `_process`: if it moves, batching silently stops, and this says so.
    const stdin: Writable | undefined = (client as unknown as { _process?: ChildProcess })._process?.stdin ?? undefined;
    expect(stdin).toBeDefined();

    const sent = [1, 2, 3].map((n) => client.send({ jsonrpc: '2.0', method: 'note', params: { n } }));
    expect(stdin!.writableCorked).toBeGreaterThan(0);
    await Promise.all(sent);
    await nextTurn();
    expect(stdin!.writableCorked).toBe(0);

    await expect.poll(() => received.join('').split('\n').filter(Boolean).length).toBe(3);
    const lines = received.join('').split('\n').filter(Boolean);
    expect(lines.map((line) => (JSON.parse(line) as { params: { n: number } }).params.n)).toEqual([1, 2, 3]);
  });

  it('holds the messages of one event-loop turn to a client for one write, in order', async () => {
    const stdout = new PassThrough();
    const writes: string[] = [];
    stdout.on('data', (chunk: Buffer) => writes.push(chunk.toString()));
    const server = new StdioServerTransport(new PassThrough(), stdout);
    transport = server;
    batchStdioWrites(server, stdout);
    await server.start();

    const sent = [1, 2, 3].map((n) => server.send({ jsonrpc: '2.0', method: 'note', params: { n } }));
    expect(stdout.writableCorked).toBeGreaterThan(0);
    await Promise.all(sent);
    await nextTurn();
    expect(stdout.writableCorked).toBe(0);

    await expect.poll(() => writes.join('').split('\n').filter(Boolean).length).toBe(3);
    expect(writes.join('')).toBe(
      [1, 2, 3].map((n) => `{"jsonrpc":"2.0","method":"note","params":{"n":${n}}}\n`).join(''),
    );
  });
});
