import { PolicyError } from '../policy/policy-error.js';
import { ServiceError } from '../services/service-error.js';
import type { CliOutput } from './cli-output.js';

/** A mistake in how a command was called, reported without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/**
 * Runs a command. A problem the user can fix (a CliError, a ServiceError, a policy that does not load) is
 * printed on stderr, without a stack trace, and the command exits 1; anything else is a bug and is thrown.
 */
export async function reportingErrors(out: CliOutput, run: () => void | Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof CliError || error instanceof ServiceError || error instanceof PolicyError)) throw error;
    out.error(error.message);
    process.exitCode = 1;
  }
}
