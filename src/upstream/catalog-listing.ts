import type { RawResult } from '../raw-result.js';
import type { ServerConnection } from './server-connection.js';
import { acceptableTool } from './server-quirks.js';

/** One item of a server's list (a tool, resource, resource template or prompt), exactly as the server sent it. */
export type CatalogItem = RawResult;

/** Everything one server offers, as listed on one connection. */
export interface ServerCatalog {
  readonly tools: readonly CatalogItem[];
  readonly resources: readonly CatalogItem[];
  readonly resourceTemplates: readonly CatalogItem[];
  readonly prompts: readonly CatalogItem[];
}

export const EMPTY_CATALOG: ServerCatalog = Object.freeze({
  tools: [],
  resources: [],
  resourceTemplates: [],
  prompts: [],
});

/** A list method that did not give a usable answer, and why. Its list is empty (or partial) in the catalog. */
export interface ListFailure {
  readonly method: string;
  readonly error: string;
}

/** A catalog, with the lists that could not be read whole. */
export interface CatalogListing {
  readonly catalog: ServerCatalog;
  readonly failures: readonly ListFailure[];
}

/** One list method: where its items are in the result, and the key every item must have to be routed. */
interface ListMethod {
  readonly method: string;
  readonly field: keyof ServerCatalog;
  readonly key: 'name' | 'uri' | 'uriTemplate';
}

const TOOLS: ListMethod = { method: 'tools/list', field: 'tools', key: 'name' };
const RESOURCES: ListMethod = { method: 'resources/list', field: 'resources', key: 'uri' };
const TEMPLATES: ListMethod = { method: 'resources/templates/list', field: 'resourceTemplates', key: 'uriTemplate' };
const PROMPTS: ListMethod = { method: 'prompts/list', field: 'prompts', key: 'name' };

/** A guard against a server whose cursors never end. */
const MAX_LIST_PAGES = 1000;

/**
 * Lists everything a server offers, following every cursor, asking only for what its capabilities declare.
 *
 * Each list stands alone: published servers declare `resources` and answer `resources/templates/list` with
 * "Method not found", time out on one list, or send a malformed page. Such a list is left empty (or keeps the
 * pages read before the failure) and reported, and the server's other lists and its calls go on working, as they
 * do with mainstream clients.
 */
export async function listCatalog(connection: ServerConnection, timeoutMs: number): Promise<CatalogListing> {
  const capabilities = connection.serverCapabilities;
  const methods = [
    ...(capabilities.tools ? [TOOLS] : []),
    ...(capabilities.resources ? [RESOURCES, TEMPLATES] : []),
    ...(capabilities.prompts ? [PROMPTS] : []),
  ];
  const lists = await Promise.all(methods.map((method) => listAll(connection, method, timeoutMs)));
  const catalog: Record<keyof ServerCatalog, readonly CatalogItem[]> = { ...EMPTY_CATALOG };
  const failures: ListFailure[] = [];
  methods.forEach((method, i) => {
    const list = lists[i]!;
    catalog[method.field] = list.items;
    if (list.error !== undefined) failures.push({ method: method.method, error: list.error });
  });
  return { catalog: Object.freeze(catalog), failures };
}

async function listAll(
  connection: ServerConnection,
  list: ListMethod,
  timeoutMs: number,
): Promise<{ items: CatalogItem[]; error?: string }> {
  const items: CatalogItem[] = [];
  let dropped = 0;
  let cursor: string | undefined;
  const outcome = (error?: string) => {
    const droppedNote = dropped === 0 ? undefined : `${dropped} item(s) without a string "${list.key}" left out`;
    const text = [error, droppedNote].filter((part) => part !== undefined).join('; ');
    return text === '' ? { items } : { items, error: text };
  };
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    let result: RawResult;
    try {
      result = await connection.request(list.method, cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
    } catch (error) {
      return outcome(error instanceof Error ? error.message : String(error));
    }
    const pageItems = result[list.field];
    if (!Array.isArray(pageItems)) return outcome(`malformed result: "${list.field}" is not an array`);
    for (const item of pageItems) {
      if (!isListItem(item, list.key)) dropped++;
      else items.push(list.field === 'tools' ? acceptableTool(item) : item);
    }
    cursor = typeof result.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
    if (cursor === undefined) return outcome();
  }
  return outcome(`more than ${MAX_LIST_PAGES} pages; the rest is left out`);
}

function isListItem(item: unknown, key: ListMethod['key']): item is CatalogItem {
  return (
    typeof item === 'object' && item !== null && !Array.isArray(item) && typeof (item as RawResult)[key] === 'string'
  );
}
