/**
 * The official MCP conformance suite run against Toolgate, with the project's conformance fixture behind it.
 * Whatever the fixture passes directly (conformance-direct.test.ts) must pass through the gateway, except where
 * a scenario is named below with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, writeConfig, type GatewayProcess } from '../e2e/harness.js';
import {
  conformanceServerCommand,
  spawnConformanceServer,
  type SpawnedConformanceServer,
} from './conformance-server.js';
import {
  LEGACY_NOT_PASSING,
  LEGACY_SCENARIOS,
  MODERN_NOT_PASSING,
  MODERN_SCENARIOS,
  runConformance,
} from './run-conformance.js';
import { expectedVerdicts, verdicts } from './verdicts.js';

/** Modern scenarios the fixture passes directly but the gateway does not yet, and why. */
export const MODERN_NOT_PASSING_THROUGH_GATEWAY: Readonly<Record<string, string>> = {
  ...MODERN_NOT_PASSING,
  'http-custom-header-server-validation':
    'Pending (unscored) in the suite: the gateway does not yet check Mcp-Param-* headers against the x-mcp-header arguments of the tool it forwards to.',
};

// The suite calls the fixture's tools by their own names, so the gateway shows them unprefixed.
const namespacing = { mode: 'conflicts' };

describe('conformance suite through the gateway, fixture over Streamable HTTP', () => {
  let fixture: SpawnedConformanceServer;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    fixture = await spawnConformanceServer();
    gateway = await startGatewayProcess(
      writeConfig({ namespacing, mcpServers: { conformance: { type: 'http', url: fixture.url } } }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
    await fixture?.close();
  });

  it('2025-era suite: every scenario the fixture passes', { timeout: 120_000 }, async () => {
    const run = await runConformance({ url: gateway.url, suite: 'legacy', timeoutMs: 100_000 });
    expect(verdicts(run)).toEqual(expectedVerdicts(LEGACY_SCENARIOS, LEGACY_NOT_PASSING));
  });

  it('2026-07-28 suite: every scored scenario the fixture passes', { timeout: 300_000 }, async () => {
    const run = await runConformance({ url: gateway.url, suite: 'modern', timeoutMs: 280_000 });
    expect(verdicts(run)).toEqual(expectedVerdicts(MODERN_SCENARIOS, MODERN_NOT_PASSING_THROUGH_GATEWAY));
  });
});

describe('conformance suite through the gateway, fixture over stdio', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    const { command, args, cwd } = conformanceServerCommand;
    gateway = await startGatewayProcess(
      writeConfig({ namespacing, mcpServers: { conformance: { command, args, cwd } } }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('2025-era suite: every scenario the fixture passes', { timeout: 120_000 }, async () => {
    const run = await runConformance({ url: gateway.url, suite: 'legacy', timeoutMs: 100_000 });
    expect(verdicts(run)).toEqual(expectedVerdicts(LEGACY_SCENARIOS, LEGACY_NOT_PASSING));
  });
});
