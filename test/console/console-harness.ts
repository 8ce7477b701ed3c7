/**
 * The web console's end-to-end harness, for vitest: a real gateway with the console, its members and a headless
 * Chromium (console-gateway.ts), started in beforeAll and stopped in afterAll.
 *
 *   describeConsole('…', () => {
 *     const gate = useConsoleGateway();
 *     it('…', async () => {
 *       const page = await gate().newPage();
 *       await gate().signIn(page, 'admin');
 *     });
 *   });
 *
 * Without Chromium the suites are skipped with a warning, except under CI (which installs it): there they fail.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe } from 'vitest';
import { CHROMIUM, startConsoleGateway, type ConsoleGateway, type ConsoleGatewayOptions } from './console-gateway.js';

/** Why the console suites cannot run here, or undefined when they can. */
const missing = !existsSync(CHROMIUM)
  ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set TOOLGATE_CHROMIUM)`
  : undefined;
if (missing !== undefined && process.env.CI) {
  // CI installs Chromium: a missing one there is a broken pipeline, not a reason to skip.
  throw new Error(`The console end-to-end tests need Chromium: ${missing}.`);
}
if (missing !== undefined) console.warn(`Skipping the console end-to-end tests: ${missing}.`);

/** `describe`, skipped (with the warning above) where Chromium is missing. */
export const describeConsole = describe.skipIf(missing !== undefined);

/**
 * Starts a gateway with the console and a browser in beforeAll, stops them in afterAll, and returns a getter for
 * them (call it inside tests and hooks, after beforeAll ran).
 */
export function useConsoleGateway(options: ConsoleGatewayOptions = {}): () => ConsoleGateway {
  let gate: ConsoleGateway | undefined;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ gate, stop } = await startConsoleGateway(options));
  }, 120_000);
  afterAll(async () => {
    await stop?.();
  });
  return () => {
    if (gate === undefined) throw new Error('the console gateway is not started: call it in a test or hook');
    return gate;
  };
}
