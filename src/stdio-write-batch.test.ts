import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { batchWrites, stdinOf } from './stdio-write-batch.js';

/** A child that reports every chunk it reads from stdin as one JSON-RPC notification. */
const CHUNK_REPORTER = `process.stdin.on('data', (chunk) => process.stdout.write(JSON.stringify({
  jsonrpc: '2.0', method: 'chunk', params: { text: chunk.toString() } }) + '\\n'));`;

describe('batchWrites', () => {
  let transport: StdioClientTransport | undefined;
  afterEach(async () => {
    await transport?.close();
  });

  it('holds the messages of one event-loop turn for one write, in order', async () => {
    transport = new StdioClientTransport({ command: process.execPath, args: ['-e', CHUNK_REPORTER] });
    batchWrites(transport, () => stdinOf(transport!));
    const received: string[] = [];
    transport.onmessage = (message) => received.push((message as unknown as { params: { text: string } }).params.text);
    await transport.start();
    // The SDK keeps the child's stdin private: if it moves, batching silently stops, and this says so.
    const stdin = stdinOf(transport);
    expect(stdin).toBeDefined();

    const sent = [1, 2, 3].map((n) => transport!.send({ jsonrpc: '2.0', method: 'note', params: { n } }));
    expect(stdin!.writableCorked).toBeGreaterThan(0);
    await Promise.all(sent);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stdin!.writableCorked).toBe(0);

    await expect.poll(() => received.join('').split('\n').filter(Boolean).length).toBe(3);
    const lines = received.join('').split('\n').filter(Boolean);
    expect(lines.map((line) => (JSON.parse(line) as { params: { n: number } }).params.n)).toEqual([1, 2, 3]);
  });
});
