import { UriTemplate } from '@modelcontextprotocol/server';
import type { ToolView, UnacceptedChange } from '../pinning/pin-view.js';
import type { ToolClass } from '../risk/classification.js';
import type { CatalogItem, ServerCatalog } from '../upstream/upstream.js';
import { exposeNames, type Namespacing } from './namespacing.js';

/** Where a name the gateway shows leads: the server and the name that server knows. */
export interface Route {
  readonly serverId: string;
  readonly name: string;
  /** A tool's class, for the policy's `categories` and `risks` rules; absent for prompts and resources. */
  readonly toolClass?: ToolClass;
  /** Set while a tool's calls are refused until an operator accepts a change to it (see pinning/). */
  readonly unaccepted?: UnacceptedChange;
}

/**
 * How a server's tool is shown and routed: as listed, with an earlier definition, or not listed at all; with its
 * class. The gateway's pinned definitions decide it (pinning/ToolPins.viewOf).
 */
export type ToolViewer = (serverId: string, tool: CatalogItem) => ToolView;

/** A resource template and the server that owns it. */
interface TemplateRoute {
  readonly serverId: string;
  readonly template: UriTemplate;
  readonly uriTemplate: string;
}

/**
 * The merged view of several servers' catalogs, as one client sees it: lists with the names the gateway shows,
 * and the routes back to the servers.
 */
export class AggregatedCatalog {
  readonly tools: readonly CatalogItem[];
  readonly prompts: readonly CatalogItem[];
  readonly resources: readonly CatalogItem[];
  readonly resourceTemplates: readonly CatalogItem[];
  readonly #toolRoutes: ReadonlyMap<string, Route>;
  readonly #promptRoutes: ReadonlyMap<string, Route>;
  readonly #resourceRoutes: ReadonlyMap<string, string>;
  readonly #templateRoutes: readonly TemplateRoute[];

  /**
   * Merges `catalogs`, given in config order. Tools and prompts are renamed by `namespacing`. Resources keep
   * their URIs (a URI already names its origin); when two servers list the same URI, the first server in the
   * config owns it and the other's entry is not shown.
   */
  constructor(
    catalogs: readonly { serverId: string; catalog: ServerCatalog }[],
    namespacing: Namespacing,
    viewTool?: ToolViewer,
  ) {
    const tools = mergeNamed(catalogs, (c) => c.tools, namespacing, viewTool);
    const prompts = mergeNamed(catalogs, (c) => c.prompts, namespacing);
    this.tools = tools.items;
    this.#toolRoutes = tools.routes;
    this.prompts = prompts.items;
    this.#promptRoutes = prompts.routes;

    const resources: CatalogItem[] = [];
    const resourceRoutes = new Map<string, string>();
    const resourceTemplates: CatalogItem[] = [];
    const templateRoutes: TemplateRoute[] = [];
    for (const { serverId, catalog } of catalogs) {
      for (const resource of catalog.resources) {
        const uri = resource.uri;
        if (typeof uri !== 'string' || resourceRoutes.has(uri)) continue;
        resourceRoutes.set(uri, serverId);
        resources.push(resource);
      }
      for (const template of catalog.resourceTemplates) {
        const uriTemplate = template.uriTemplate;
        if (typeof uriTemplate !== 'string' || templateRoutes.some((t) => t.uriTemplate === uriTemplate)) continue;
        try {
          templateRoutes.push({ serverId, template: new UriTemplate(uriTemplate), uriTemplate });
          resourceTemplates.push(template);
        } catch {
          // A template the SDK cannot parse cannot be routed; showing it would invite reads that fail.
        }
      }
    }
    this.resources = resources;
    this.#resourceRoutes = resourceRoutes;
    this.resourceTemplates = resourceTemplates;
    this.#templateRoutes = templateRoutes;
  }

  /** The server and original name behind a tool name the gateway shows. */
  routeTool(exposedName: string): Route | undefined {
    return this.#toolRoutes.get(exposedName);
  }

  /** The server and original name behind a prompt name the gateway shows. */
  routePrompt(exposedName: string): Route | undefined {
    return this.#promptRoutes.get(exposedName);
  }

  /** The server that serves a resource URI: a listed resource first, then the first template that matches. */
  routeResource(uri: string): string | undefined {
    const listed = this.#resourceRoutes.get(uri);
    if (listed !== undefined) return listed;
    return this.#templateRoutes.find((route) => route.template.match(uri) !== null)?.serverId;
  }

  /** The server that owns a resource template, for completions. */
  routeTemplate(uriTemplate: string): string | undefined {
    return this.#templateRoutes.find((route) => route.uriTemplate === uriTemplate)?.serverId;
  }
}

function mergeNamed(
  catalogs: readonly { serverId: string; catalog: ServerCatalog }[],
  pick: (catalog: ServerCatalog) => readonly CatalogItem[],
  namespacing: Namespacing,
  view?: ToolViewer,
): { items: CatalogItem[]; routes: Map<string, Route> } {
  const originals: { serverId: string; name: string; item: CatalogItem }[] = [];
  for (const { serverId, catalog } of catalogs) {
    for (const item of pick(catalog)) {
      if (typeof item.name === 'string') originals.push({ serverId, name: item.name, item });
    }
  }
  const exposed = exposeNames(originals, namespacing);
  const itemOf = new Map(originals.map((o) => [`${o.serverId}\u0000${o.name}`, o.item]));
  const items: CatalogItem[] = [];
  const routes = new Map<string, Route>();
  for (const entry of exposed) {
    const listed = itemOf.get(`${entry.serverId}\u0000${entry.name}`)!;
    const route: Route = { serverId: entry.serverId, name: entry.name };
    if (!view) {
      items.push(entry.exposed === entry.name ? listed : { ...listed, name: entry.exposed });
      routes.set(entry.exposed, route);
      continue;
    }
    const { item, toolClass, unaccepted } = view(entry.serverId, listed);
    // A tool not listed keeps its route: a call to it is told why it is refused, rather than that it does not exist.
    if (item) items.push(entry.exposed === entry.name ? item : { ...item, name: entry.exposed });
    routes.set(entry.exposed, {
      ...route,
      ...(toolClass === undefined ? {} : { toolClass }),
      ...(unaccepted === undefined ? {} : { unaccepted }),
    });
  }
  return { items, routes };
}
