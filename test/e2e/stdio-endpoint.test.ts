/**
 * `toolgate stdio` as a careless or hostile client meets it: raw lines on its stdin.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, GATEWAY_MAIN, ROOT, stopProcess, writeConfig } from './harness.js';

describe('toolgate stdio', () => {
  const stdout: Array<{ id?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } }> =
    [];
  const stderr: string[] = [];
  let child: ReturnType<typeof spawn>;
  const send = (message: object) => child.stdin?.write(`${JSON.stringify(message)}\n`);

  beforeAll(async () => {
    const config = writeConfig({ listen: { maxBodyBytes: 4096 }, mcpServers: {} });
    child = spawn(process.execPath, [GATEWAY_MAIN, 'stdio', '--config', config], { cwd: ROOT });
    createInterface({ input: child.stdout! }).on('line', (line) => stdout.push(JSON.parse(line) as never));
    createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    // Starting takes a while on a busy machine: as long as startGatewayProcess allows.
    await eventually(() => expect(stdout.find((message) => message.id === 1)).toBeDefined(), 50_000);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }, 60_000);

  afterAll(async () => {
    if (child) await stopProcess(child);
  });

  it('drops a line over listen.maxBodyBytes with a JSON-RPC error and a log line, and serves the next', async () => {
    // Over the bound, but small enough that any buffer would hold it: it must not be read as a request.
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x', arguments: { pad: 'x'.repeat(8192) } } });
    // Longer than the SDK's own 10 MB buffer, which would end the connection, and written in pieces.
    const piece = 'y'.repeat(1024 * 1024);
    child.stdin?.write('{"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":"');
    for (let i = 0; i < 12; i++) child.stdin?.write(piece);
    child.stdin?.write('"}}\n');
    send({ jsonrpc: '2.0', id: 4, method: 'ping' });

    await eventually(() => expect(stdout.find((message) => message.id === 4)).toMatchObject({ result: {} }), 50_000);
    expect(stdout.filter((message) => message.id === 2 || message.id === 3)).toEqual([]);
    const refusals = stdout.filter((message) => message.id === null);
    expect(refusals.map((message) => message.error)).toEqual([
      {
        code: -32600,
        message: expect.stringMatching(
          /^A message of \d+ bytes is over the 4096 Toolgate accepts \(listen\.maxBodyBytes\)/,
        ),
        data: { code: 'GW_PAYLOAD_TOO_LARGE' },
      },
      {
        code: -32600,
        message: expect.stringMatching(/^A message of 125829\d\d bytes is over the 4096/),
        data: { code: 'GW_PAYLOAD_TOO_LARGE' },
      },
    ]);
    await eventually(() =>
      expect(stderr.filter((line) => line.includes('"code":"GW_PAYLOAD_TOO_LARGE"'))).toHaveLength(2),
    );
  }, 60_000);
});
