/**
 * Parameters as both bindings take them, checked the same way: better-sqlite3, the binding before, refused a
 * boolean with a TypeError, where libsql aborts the process and node:sqlite stores 1 or 0. Both refuse it here.
 */
export function refuseBooleans(parameters: readonly unknown[]): void {
  const only = parameters.length === 1 ? parameters[0] : undefined;
  if (isNamedParameters(only)) {
    for (const name in only) refuseBoolean(only[name]);
    return;
  }
  for (const value of parameters) refuseBoolean(value);
}

/** One parameter that is a plain object (not null, not a Buffer or other view) binds named parameters. */
export function isNamedParameters(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);
}

function refuseBoolean(value: unknown): void {
  if (typeof value === 'boolean') throw new TypeError('SQLite cannot store a boolean; bind 0 or 1');
}
