import { describe, it } from 'vitest';

/**
 * `describe` when the service a suite needs (PostgreSQL, Redis) answers, `missing` being null. Elsewhere the suite
 * is skipped with its reason printed, except under CI (CI=true), where one failing test says the service was
 * expected: CI must never pass by skipping.
 */
export function describeNeeding(
  service: { readonly name: string; readonly missing: string | null; readonly howToStart: string },
  name: string,
  suite: () => void,
): void {
  if (service.missing === null) {
    describe(name, suite);
    return;
  }
  const { missing, howToStart } = service;
  if (process.env.CI === 'true') {
    describe(name, () =>
      it(`needs ${service.name}, which CI provides`, () => {
        throw new Error(`${missing}: CI runs the ${service.name} tests; ${howToStart}`);
      }),
    );
    return;
  }
  console.warn(`Skipping "${name}": ${missing}. ${howToStart} to run it.`);
  describe.skip(name, suite);
}
