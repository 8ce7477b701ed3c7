/** A location in a JSON value: object keys and array indices, from the root. */
export type JsonPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Formats a path the way JSONPath writes it: `$.mcpServers.everything.args[0]`.
 * Keys that are not plain identifiers use bracket notation, `$.mcpServers["my-server"]`,
 * so the printed path is unambiguous whatever the key contains.
 */
export function formatJsonPath(path: JsonPath): string {
  let out = '$';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
