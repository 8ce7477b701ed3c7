/**
 * `toolgate stdio` launched by a client (Claude Desktop) that cannot start tells that client why, in the error
 * its first request gets, and on stderr, which such clients keep in their log. Before, the client saw only
 * "Connection closed".
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { openStateDb } from '../../src/state/state-db.js';
import { GATEWAY_MAIN, holdStateLock, ROOT, writeConfig } from './harness.js';

/** Launches `toolgate stdio` as a desktop client does, with an environment of its own, and connects to it. */
async function launch(
  config: string,
  args: string[] = [],
  negotiation: 'legacy' | 'auto' = 'legacy',
): Promise<{ error: unknown; stderr: string[] }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [GATEWAY_MAIN, 'stdio', '--config', config, ...args],
    cwd: ROOT,
    env,
    stderr: 'pipe',
  });
  const stderr: string[] = [];
  createInterface({ input: transport.stderr as Readable }).on('line', (line) => stderr.push(line));
  const client = new Client(
    { name: 'desktop', version: '1.0.0' },
    negotiation === 'auto' ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  let error: unknown;
  try {
    await client.connect(transport);
  } catch (failure) {
    error = failure;
  }
  await client.close();
  return { error, stderr };
}

describe('toolgate stdio that cannot start', () => {
  it('tells the client which variable is unset, with the file and JSON path', async () => {
    const config = writeConfig({ mcpServers: { github: { command: 'x', env: { TOKEN: '${env:GITHUB_TOKEN}' } } } });
    const { error, stderr } = await launch(config);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('Toolgate could not start');
    expect(message).toContain(`${config}:`);
    expect(message).toContain('$.mcpServers.github.env.TOKEN: environment variable "GITHUB_TOKEN" is not set');
    expect(stderr.join('\n')).toContain('environment variable "GITHUB_TOKEN" is not set');
    // A client that probes for the 2026-07-28 era first (server/discover) is told the same.
    const probing = await launch(config, [], 'auto');
    expect((probing.error as Error).message).toContain('environment variable "GITHUB_TOKEN" is not set');
  });

  it('tells the client where its policy does not load', async () => {
    const config = writeConfig({ mcpServers: {} }, { version: '1', default: 'allow' });
    writeFileSync(join(dirname(config), 'policy.json'), '{ "version": "1", "default": "maybe" }');
    const { error, stderr } = await launch(config);
    expect((error as Error).message).toContain(`${join(dirname(config), 'policy.json')}:1:`);
    expect((error as Error).message).toContain('$.default');
    expect(stderr.join('\n')).toContain('$.default');
  });

  it('tells the client when the grant it runs as does not exist', async () => {
    const config = writeConfig({ mcpServers: {} });
    const { error } = await launch(config, ['--grant', 'nobody']);
    expect((error as Error).message).toContain('No active grant labelled "nobody"');
  });

  it('tells the client when its state database cannot be written, naming the file', async () => {
    const config = writeConfig({ mcpServers: {}, state: { sqlite: 'state.db', lockWaitMs: 200 } });
    const file = join(dirname(config), 'state.db');
    openStateDb(file, { whenLocked: 'wait' }).close();
    const holder = await holdStateLock(file);
    try {
      const { error } = await launch(config);
      expect((error as Error).message).toContain(`Toolgate could not start: Cannot write the state database ${file}`);
      expect((error as Error).message).toContain('another process holds its write lock');
    } finally {
      await holder.release();
    }
  });
});
