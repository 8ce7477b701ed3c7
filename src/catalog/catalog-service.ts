import { ErrorCode, GatewayError } from '../errors.js';
import type { Namespacing } from './namespacing.js';
import type { RawResult } from '../raw-result.js';
import { capabilityKey, serverFacingCapabilities, type Caller } from '../upstream/caller.js';
import type { ToolClass } from '../risk/classification.js';
import type { CatalogItem, Upstream } from '../upstream/upstream.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import { AggregatedCatalog, type Route } from './aggregate.js';
import { paginate } from './cursor.js';

/**
 * How many items one page of a list holds. SDK clients follow at most 64 pages by default, so a gateway in front
 * of servers with thousands of tools needs pages this large for those clients to see them all.
 */
const PAGE_SIZE = 500;

/** Classifies a tool from its definition and its server's instructions (risk/'s classifyTool). */
export type ClassifyTool = (tool: CatalogItem, instructions: string | undefined) => ToolClass;

/**
 * What each client may see of the servers' catalogs, and where each name leads. An aggregated catalog is built
 * once per set of client capabilities and visible servers, and dropped whenever a server's catalog changes.
 */
export class CatalogService {
  readonly #pool: UpstreamPool;
  readonly #namespacing: Namespacing;
  readonly #classify: ClassifyTool;
  /**
   * Each tool's class, by the definition object its server listed: a definition is classified once, and a
   * re-listed (maybe changed) tool is a new object, classified anew.
   */
  readonly #classes = new WeakMap<CatalogItem, ToolClass>();
  #catalogs = new Map<string, Promise<AggregatedCatalog>>();

  constructor(pool: UpstreamPool, namespacing: Namespacing, classify: ClassifyTool) {
    this.#pool = pool;
    this.#namespacing = namespacing;
    this.#classify = classify;
  }

  /** Forgets every aggregated catalog: a server's catalog changed. */
  invalidate(): void {
    this.#catalogs = new Map();
  }

  of(caller: Caller): Promise<AggregatedCatalog> {
    const capabilities = capabilityKey(serverFacingCapabilities(caller.capabilities));
    const servers = caller.principal.servers;
    const key = servers ? `${capabilities}|${servers.join(',')}` : capabilities;
    let catalog = this.#catalogs.get(key);
    if (!catalog) {
      const generation = this.#catalogs;
      catalog = this.#aggregate(caller);
      generation.set(key, catalog);
      catalog.catch(() => generation.delete(key));
    }
    return catalog;
  }

  /** The tool a name leads to, or GW_UNKNOWN_TOOL naming the servers that may not have listed it yet. */
  async routeTool(caller: Caller, name: string): Promise<Route> {
    const route = (await this.of(caller)).routeTool(name);
    if (!route) throw unknownTool(name, this.#notListing(caller));
    return route;
  }

  async routePrompt(caller: Caller, name: unknown): Promise<Route> {
    const route = typeof name === 'string' ? (await this.of(caller)).routePrompt(name) : undefined;
    if (!route) throw new GatewayError(ErrorCode.UnknownPrompt, `Unknown prompt: ${String(name)}`);
    return route;
  }

  /** The server that serves a resource URI. */
  async routeResource(caller: Caller, uri: unknown): Promise<Route> {
    if (typeof uri !== 'string') throw new GatewayError(ErrorCode.InvalidParams, 'uri must be a string');
    const serverId = (await this.of(caller)).routeResource(uri);
    if (serverId !== undefined) return { serverId, name: uri };
    // A resource no server listed may still be readable: with one server offering resources, ask it.
    const withResources = this.#pool
      .visibleTo(caller.principal)
      .filter((u) => u.catalog.resources.length + u.catalog.resourceTemplates.length > 0);
    if (withResources.length === 1) return { serverId: withResources[0]!.id, name: uri };
    throw new GatewayError(ErrorCode.UnknownResource, `Resource not found: ${uri}`, { data: { uri } });
  }

  /**
   * Where a `completion/complete` goes: the server of the prompt or resource template its `ref` names. The
   * route's name is the prompt's name as its server knows it, or the template as given.
   */
  async routeCompletion(caller: Caller, ref: Record<string, unknown>): Promise<Route> {
    if (ref.type === 'ref/prompt') return this.routePrompt(caller, ref.name);
    if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
      const catalog = await this.of(caller);
      const serverId = catalog.routeTemplate(ref.uri) ?? catalog.routeResource(ref.uri);
      if (serverId === undefined) throw new GatewayError(ErrorCode.UnknownResource, `Unknown resource: ${ref.uri}`);
      return { serverId, name: ref.uri };
    }
    throw new GatewayError(
      ErrorCode.InvalidParams,
      'completion/complete needs a ref of type ref/prompt or ref/resource',
    );
  }

  /** One page of a list, as its result. */
  page(items: readonly RawResult[], cursor: string | undefined, field: string): RawResult {
    const page = paginate(items, cursor, PAGE_SIZE);
    if (!page) throw new GatewayError(ErrorCode.InvalidParams, 'Invalid cursor');
    return page.nextCursor === undefined ? { [field]: page.page } : { [field]: page.page, nextCursor: page.nextCursor };
  }

  async #aggregate(caller: Caller): Promise<AggregatedCatalog> {
    const upstreams = this.#pool.visibleTo(caller.principal);
    const catalogs = await Promise.all(upstreams.map((u) => u.catalogFor(caller)));
    const instructions = new Map(upstreams.map((u) => [u.id, u.instructions]));
    return new AggregatedCatalog(
      upstreams.map((u, i) => ({ serverId: u.id, catalog: catalogs[i]! })),
      this.#namespacing,
      (serverId, tool) => this.#classOf(tool, instructions.get(serverId)),
    );
  }

  #classOf(tool: CatalogItem, instructions: string | undefined): ToolClass {
    let toolClass = this.#classes.get(tool);
    if (toolClass === undefined) {
      const { category, risk } = this.#classify(tool, instructions);
      toolClass = { category, risk };
      this.#classes.set(tool, toolClass);
    }
    return toolClass;
  }

  /** The servers a caller may use that have never listed their tools: a tool unknown now may be one of theirs. */
  #notListing(caller: Caller): Upstream[] {
    return this.#pool.visibleTo(caller.principal).filter((upstream) => !upstream.hasListed);
  }
}

/**
 * The unknown-tool error. When servers the caller may use have never listed their tools, the tool may be one of
 * theirs: the message names them and why, so that an agent (and its operator) can tell "no such tool" from "its
 * server is not serving yet".
 */
export function unknownTool(name: string, notListing: readonly Upstream[] = []): GatewayError {
  if (notListing.length === 0) return new GatewayError(ErrorCode.UnknownTool, `Unknown tool: ${name}`);
  const servers = notListing.map((upstream) => `"${upstream.id}" (${upstream.describe()})`).join(', ');
  return new GatewayError(
    ErrorCode.UnknownTool,
    `Unknown tool: ${name}. Servers that have not listed their tools yet: ${servers}.`,
  );
}
