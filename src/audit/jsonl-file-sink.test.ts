import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingLogger, runAuditSinkContract, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import type { AuditRecord } from './audit-record.js';
import { JsonlFileSink } from './jsonl-file-sink.js';

function readLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

runAuditSinkContract('JSON Lines file', (options) => {
  const file = join(mkdtempSync(join(tmpdir(), 'toolgate-audit-')), 'logs', 'audit.jsonl');
  return {
    sink: new JsonlFileSink(file, options),
    stored: async () => readLines(file).map(({ timeIso: _, ...record }) => record as unknown as AuditRecord),
  };
});

describe('JsonlFileSink', () => {
  it('writes one JSON object a line, with the time in ISO 8601 too, appending to what is there', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'toolgate-audit-')), 'audit.jsonl');
    for (const requestId of ['1', '2']) {
      const sink = new JsonlFileSink(file, { logger: recordingLogger() });
      sink.write(sampleRecord({ time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), requestId }));
      await sink.close();
    }
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(readLines(file).map((line) => [line.requestId, line.timeIso])).toEqual([
      ['1', '2026-01-02T03:04:05.006Z'],
      ['2', '2026-01-02T03:04:05.006Z'],
    ]);
  });

  it('creates no file when nothing is written', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'toolgate-audit-')), 'audit.jsonl');
    await new JsonlFileSink(file, { logger: recordingLogger() }).close();
    expect(existsSync(file)).toBe(false);
  });
});
