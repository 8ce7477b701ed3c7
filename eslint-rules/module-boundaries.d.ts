import type { Rule } from 'eslint';
import type { ModuleRule } from './module-map.js';

declare const moduleBoundaries: Rule.RuleModule;
export default moduleBoundaries;
export function findCycle(modules: Readonly<Record<string, ModuleRule>>): string[] | undefined;
