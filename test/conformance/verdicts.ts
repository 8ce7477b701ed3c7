import { expect } from 'vitest';
import type { ConformanceRun } from './run-conformance.js';

/**
 * Each scenario's verdict: `pass`, or the checks that kept it from passing.
 * Comparing these maps shows, on failure, which scenario broke and how, and
 * catches a scenario that went missing, appeared, or started passing unannounced.
 */
export function verdicts(run: ConformanceRun): Record<string, string> {
  return Object.fromEntries(
    run.scenarios.map((scenario) => {
      if (scenario.passed) return [scenario.name, 'pass'];
      const problems = scenario.checks
        .filter((check) => check.status !== 'SUCCESS' && check.status !== 'INFO')
        .map((check) => `${check.status} ${check.id}: ${check.message ?? ''}`);
      return [scenario.name, problems.join('; ') || 'no successful check'];
    }),
  );
}

export function expectedVerdicts(
  all: readonly string[],
  notPassing: Readonly<Record<string, string>>,
): Record<string, unknown> {
  return Object.fromEntries(
    all.map((name) => [name, name in notPassing ? expect.not.stringMatching(/^pass$/) : 'pass']),
  );
}
