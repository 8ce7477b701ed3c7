import { readFileSync } from 'node:fs';
import { readFailure } from '../json/read-failure.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { PolicyError } from '../policy/policy-error.js';

/**
 * Reads, validates and compiles a policy file: the read is here, so that policy/ stays free of I/O.
 * @throws PolicyError listing every problem found, or naming the file when it cannot be read.
 */
export function loadPolicy(file: string): CompiledPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyError([{ file, path: '$', message: `cannot read the policy file: ${readFailure(error)}` }]);
  }
  return parsePolicy(text, file);
}
