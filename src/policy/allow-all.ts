import { compilePolicy } from './compile-policy.js';

/**
 * The policy of a local caller when the config names none: every tool allowed, nothing limited. A compiled
 * policy like any other, so that decide() stays the only place a call is decided.
 */
export const ALLOW_ALL = compilePolicy({ version: '1', default: 'allow' }, '(no policy configured)');
