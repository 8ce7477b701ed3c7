import path from 'node:path';

/**
 * `toolgate/module-boundaries`: every import in src/ follows the module map (eslint-rules/module-map.js). Options:
 * `{ modules, purePackages }`, as that file exports them. ESLint's import plugins find cycles between files; this
 * rule works on modules (folders and root files of src/), and since the map must be acyclic, so is src/.
 */

/** @typedef {{ uses: string[], pure?: boolean, impureFiles?: string[] }} ModuleRule */

/**
 * The cycle in the map, as a list of module names from a module back to itself; undefined when there is none.
 * @param {Record<string, ModuleRule>} modules
 */
export function findCycle(modules) {
  /** @type {Map<string, 'open' | 'done'>} */
  const state = new Map();
  /** @type {string[]} */
  const trail = [];
  /** @param {string} name @returns {string[] | undefined} */
  const visit = (name) => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, 'open');
    trail.push(name);
    for (const next of modules[name]?.uses ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(modules)) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The module a file of src/ belongs to: its folder, or its own name at the root; undefined outside src/. */
function moduleOf(srcDir, file) {
  const relative = path.relative(srcDir, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const parts = relative.split(path.sep);
  // Imports name the compiled file (`../log.js`); the module is the source (`log.ts`).
  return parts.length === 1 ? parts[0].replace(/\.js$/, '.ts') : parts[0];
}

/** `sqlite-*.ts` style patterns: only `*` is special. */
function matchesName(pattern, name) {
  const source = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${source}$`).test(name);
}

const checkedMaps = new WeakSet();

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Imports between the modules of src/ follow eslint-rules/module-map.js' },
    schema: false,
    messages: {
      notAllowed:
        '{{from}} may not import {{to}}: add "{{to}}" to the uses of "{{from}}" in eslint-rules/module-map.js if the design allows it (the map must stay acyclic).',
      unknownModule: 'src/{{module}} is not in the module map: add it to eslint-rules/module-map.js.',
      impureNode: '{{from}} is pure (no I/O): it may not import {{to}}.',
      impurePackage:
        '{{from}} is pure (no I/O): it may import only these packages: {{packages}} (purePackages in eslint-rules/module-map.js).',
      impureModule: '{{from}} is pure (no I/O): it may import values only from pure modules, and {{to}} is not one.',
    },
  },
  create(context) {
    const { modules, purePackages = [] } = context.options[0] ?? {};
    if (!checkedMaps.has(modules)) {
      const cycle = findCycle(modules);
      if (cycle) throw new Error(`eslint-rules/module-map.js has a cycle: ${cycle.join(' → ')}`);
      checkedMaps.add(modules);
    }
    const srcDir = path.join(context.cwd, 'src');
    const file = context.filename;
    const from = moduleOf(srcDir, file);
    if (from === undefined) return {};
    const rule = modules[from];
    const fileName = path.basename(file);
    const pure = rule?.pure === true && !(rule.impureFiles ?? []).some((pattern) => matchesName(pattern, fileName));

    /** @param {import('eslint').Rule.Node} node @param {string} specifier @param {boolean} typeOnly */
    const check = (node, specifier, typeOnly) => {
      if (!specifier.startsWith('.')) {
        if (!pure || typeOnly) return;
        if (specifier.startsWith('node:') && !purePackages.includes(specifier)) {
          context.report({ node, messageId: 'impureNode', data: { from, to: specifier } });
        } else if (
          !specifier.startsWith('node:') &&
          !purePackages.some((name) => specifier === name || specifier.startsWith(`${name}/`))
        ) {
          context.report({ node, messageId: 'impurePackage', data: { from, packages: purePackages.join(', ') } });
        }
        return;
      }
      const to = moduleOf(srcDir, path.resolve(path.dirname(file), specifier));
      if (to === undefined || to === from) return;
      if (!rule.uses.includes(to)) {
        context.report({ node, messageId: 'notAllowed', data: { from, to } });
      } else if (pure && !typeOnly && modules[to]?.pure !== true) {
        context.report({ node, messageId: 'impureModule', data: { from, to } });
      }
    };

    return {
      Program(node) {
        if (rule === undefined) context.report({ node, messageId: 'unknownModule', data: { module: from } });
      },
      ImportDeclaration(node) {
        if (rule === undefined) return;
        const typeOnly =
          node.importKind === 'type' ||
          (node.specifiers.length > 0 && node.specifiers.every((each) => each.importKind === 'type'));
        check(node, String(node.source.value), typeOnly);
      },
      ExportNamedDeclaration(node) {
        if (rule === undefined || !node.source) return;
        check(node, String(node.source.value), node.exportKind === 'type');
      },
      ExportAllDeclaration(node) {
        if (rule === undefined) return;
        check(node, String(node.source.value), node.exportKind === 'type');
      },
      ImportExpression(node) {
        if (rule === undefined || node.source.type !== 'Literal') return;
        check(node, String(node.source.value), false);
      },
    };
  },
};
