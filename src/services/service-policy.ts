import { loadPolicy } from '../config/load-policy.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { PolicyError } from '../policy/policy-error.js';
import { ServiceError } from './service-error.js';

/**
 * A policy file as a service reads it: compiled, or a ServiceError `invalid` with the file's located problems,
 * which every surface reports as the person's mistake (400 from the admin API, exit 1 from the CLI).
 */
export function loadServicePolicy(file: string): CompiledPolicy {
  try {
    return loadPolicy(file);
  } catch (error) {
    if (error instanceof PolicyError) throw new ServiceError('invalid', error.message);
    throw error;
  }
}
