import { newDecisionId } from '../audit/audit-record.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { ToolClass } from '../risk/classification.js';
import { changeMessage, changeRecord } from './change-record.js';
import { stricterClass, type PinChange, type PinRules, type ServerPins } from './pin.js';
import type { PinSnapshot, PinStore } from './pin-store.js';
import { pinView, type ToolView } from './pin-view.js';
import { reviewListing, type ClassOf, type Listing, type PinUpdate } from './review-listing.js';
import {
  definitionOf,
  instructionsFingerprint,
  PINNED_FIELDS,
  toolFingerprint,
  type ToolDefinition,
} from './tool-fingerprint.js';

/** A tool as a server lists it: untrusted plain data. */
type ListedTool = Readonly<Record<string, unknown>>;

/** Classifies a tool from its definition and its server's instructions (src/risk's classifier). */
export type Classify = (tool: ToolDefinition, instructions: string | undefined) => ToolClass;

export interface ToolPinsOptions {
  readonly store: PinStore;
  /** The pins as stored when the gateway started: every listing is compared with them, from the first. */
  readonly snapshot: PinSnapshot;
  readonly rules: PinRules;
  /** Without it, tools have no class (policies' `categories` and `risks` rules match none). */
  readonly classify?: Classify;
  /** Where each recorded change is audited (and, through the metrics' sink, counted). */
  readonly audit: AuditSink;
  /** Sends a recorded change to the approvals webhook, where one is configured. */
  readonly announce?: (change: PinChange) => void;
  /** Told when what clients see of a server changed without a new listing: an acceptance, another process. */
  readonly onChange: (serverId: string) => void;
  readonly log: Logger;
  readonly clock: Clock;
}

/**
 * The gateway's pinned tool definitions: kept in memory, so that showing a tool and refusing a call read a map,
 * and kept in the store, shared with the other gateway processes and the CLI.
 *
 * Each time a server's catalog is listed, the listing is reviewed against the pins in memory at once (before any
 * client can list or call what it changed), then against the store in one transaction, whose outcome replaces
 * the memory's: a change is recorded once, by whichever process saw it first, and is then audited, counted,
 * logged and sent to the webhook by that process. Acceptances made elsewhere (the CLI) are found by `poll`.
 */
export class ToolPins {
  readonly #options: ToolPinsOptions;
  readonly #classOf: ClassOf;
  readonly #pins = new Map<string, ServerPins>();
  /** The latest listing of each server, and the list it was read from (a list reviewed once is not again). */
  readonly #listings = new Map<string, { readonly listing: Listing; readonly tools: readonly ListedTool[] }>();
  /** Fingerprints of listed tools, by the listed object: the catalog shows the same objects until it is listed anew. */
  readonly #prints = new WeakMap<object, string | null>();
  #revision: number;
  /** Store work runs one piece at a time, in order: a review never reads pins an earlier one is still writing. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: ToolPinsOptions) {
    this.#options = options;
    const { classify } = options;
    this.#classOf = classify ? (tool, instructions) => classify(tool, instructions ?? undefined) : () => null;
    for (const pins of options.snapshot.servers) this.#pins.set(pins.serverId, pins);
    this.#revision = options.snapshot.revision;
  }

  /** A server's catalog was listed (its primary connection's): reviews it now, then records what changed. */
  listed(serverId: string, tools: readonly ListedTool[], instructions: string | undefined): void {
    const text = instructions ?? null;
    const last = this.#listings.get(serverId);
    if (last?.tools === tools && last.listing.instructions === text) return;
    const listing: Listing = { serverId, tools: tools.map(definitionOf), instructions: text };
    this.#listings.set(serverId, { listing, tools });
    let reviewed: PinUpdate;
    try {
      reviewed = reviewListing(this.#pins.get(serverId), listing, this.#classOf, this.#options.rules, this.#now());
    } catch (error) {
      // A definition that cannot be fingerprinted (nested past what the stack holds): its tools show as unreviewed.
      this.#options.log.error({ serverId, err: (error as Error).message }, 'could not review the tools of a server');
      return;
    }
    if (reviewed.pins) this.#pins.set(serverId, reviewed.pins);
    // Each listing is reviewed against the store in turn: one that only lasted a moment is recorded all the same.
    void this.#enqueue(() => this.#sync(serverId, listing, reviewed.changes));
  }

  /** How a server's tool is shown, and what its calls meet. The catalog asks for each tool it aggregates. */
  viewOf(serverId: string, item: ListedTool): ToolView {
    const server = this.#pins.get(serverId);
    const pin = server?.tools.get(item.name as string);
    const print = this.#fingerprint(item);
    if (server === undefined || pin === undefined || print === null) return this.#unreviewed(server, item, print);
    const known = pin.accepted?.fingerprint === print || pin.pending?.fingerprint === print;
    if (!known) return this.#unreviewed(server, item, print);
    const view = pinView(pin, server.instructions.pending !== null, this.#options.rules);
    switch (view.kind) {
      case 'trusted':
      case 'stricter':
        return withClass({ item }, view.toolClass);
      case 'blocked':
        return withClass({ item: shownAs(item, view.definition), unaccepted: view.change }, view.toolClass);
      case 'held':
        return { item: null, unaccepted: view.change };
      case 'removed':
        // The catalog's own list no longer has it, another connection's does: as accepted, it is as it was.
        return pin.accepted?.fingerprint === print
          ? withClass({ item }, pin.accepted.toolClass)
          : this.#unreviewed(server, item, print);
    }
  }

  /**
   * The instructions clients are given for a server in `initialize`: under `changed: block`, the accepted ones
   * while a change waits (instructions steer a model as a description does).
   */
  instructionsShown(serverId: string, text: string | undefined): string | undefined {
    const pins = this.#pins.get(serverId);
    if (this.#options.rules.changed !== 'block' || pins === undefined) return text;
    if (instructionsFingerprint(text ?? null) === pins.instructions.accepted.fingerprint) return text;
    return pins.instructions.accepted.text ?? undefined;
  }

  /** The pins this gateway enforces for a server. */
  pinsOf(serverId: string): ServerPins | undefined {
    return this.#pins.get(serverId);
  }

  /** Looks for changes other processes recorded (acceptances from the CLI, changes another gateway saw). */
  poll(): Promise<void> {
    return this.#enqueue(async () => {
      const { revision, serverIds } = await this.#options.store.changedSince(this.#revision);
      this.#revision = revision;
      for (const serverId of serverIds) await this.#sync(serverId, this.#listings.get(serverId)?.listing, []);
    });
  }

  /** Reads a server's pins anew: an operator accepted a change in this process (the admin API). */
  refresh(serverId: string): Promise<void> {
    return this.#enqueue(() => this.#sync(serverId, this.#listings.get(serverId)?.listing, []));
  }

  /** Resolves once the store work asked for so far is done. */
  settled(): Promise<void> {
    return this.#queue;
  }

  /**
   * Reviews a listing of a server against the store, in one transaction, and makes the outcome this process's
   * pins (without a listing, reads them). `reviewed`: the changes the review in memory found, reported if the
   * store cannot be written (they are enforced here all the same, and recorded once it can).
   */
  async #sync(serverId: string, listing: Listing | undefined, reviewed: readonly PinChange[]): Promise<void> {
    const { store, rules, log } = this.#options;
    const before = viewKey(this.#pins.get(serverId));
    let update: PinUpdate;
    try {
      update = listing
        ? await store.update(serverId, (stored) => reviewListing(stored, listing, this.#classOf, rules, this.#now()))
        : { pins: await store.get(serverId), changes: [] };
    } catch (error) {
      log.error(
        { serverId, err: (error as Error).message },
        'could not record tool pins in the state database: changes are enforced by this process, and recorded once it can be written',
      );
      this.#report(reviewed);
      return;
    }
    if (update.pins) this.#pins.set(serverId, this.#withLatest(serverId, listing, update.pins));
    this.#report(update.changes);
    if (viewKey(update.pins) !== before) this.#options.onChange(serverId);
  }

  /**
   * The pins a sync stored, with the server's latest listing reviewed over them in memory when it is newer than
   * the one synced (its own sync is queued): what clients are shown now is always what the pins were reviewed on.
   */
  #withLatest(serverId: string, synced: Listing | undefined, pins: ServerPins): ServerPins {
    const latest = this.#listings.get(serverId)?.listing;
    if (latest === undefined || latest === synced) return pins;
    try {
      return reviewListing(pins, latest, this.#classOf, this.#options.rules, this.#now()).pins ?? pins;
    } catch {
      return pins;
    }
  }

  #report(changes: readonly PinChange[]): void {
    const { audit, announce, log } = this.#options;
    for (const change of changes) {
      audit.write(changeRecord(change, newDecisionId(change.at)));
      announce?.(change);
      const fields = { serverId: change.serverId, tool: change.tool, change: change.kind, effect: change.effect };
      if (change.effect === 'none') log.info(fields, changeMessage(change));
      else log.warn(fields, changeMessage(change));
    }
  }

  /**
   * A definition no review has seen: another connection's list (its server shows some clients other tools), or a
   * server whose catalog has not been reviewed. Held to the rules as a change, or as a new tool, would be.
   */
  #unreviewed(server: ServerPins | undefined, item: ListedTool, print: string | null): ToolView {
    const { rules } = this.#options;
    // A server never seen is trusted as it is, as its first review will.
    if (server === undefined && print !== null) return withClass({ item }, this.#classOfItem(server, item));
    const pin = server?.tools.get(item.name as string);
    if (!pin?.accepted) {
      return rules.added === 'hold' || print === null
        ? { item: null, unaccepted: 'added' }
        : withClass({ item }, this.#classOfItem(server, item));
    }
    if (rules.changed === 'block') {
      return withClass({ item: shownAs(item, pin.accepted.definition), unaccepted: 'changed' }, pin.accepted.toolClass);
    }
    return withClass({ item }, stricterClass(pin.accepted.toolClass, this.#classOfItem(server, item)));
  }

  #classOfItem(server: ServerPins | undefined, item: ListedTool): ToolClass | null {
    const instructions = this.#listings.get(server?.serverId ?? '')?.listing.instructions ?? null;
    return this.#classOf(definitionOf(item), instructions);
  }

  /** The item's fingerprint; null when it cannot be made (a definition nested past what the stack holds). */
  #fingerprint(item: ListedTool): string | null {
    let print = this.#prints.get(item);
    if (print !== undefined) return print;
    try {
      print = toolFingerprint(definitionOf(item));
    } catch {
      print = null;
    }
    this.#prints.set(item, print);
    return print;
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(work).catch((error: unknown) => {
      this.#options.log.warn({ err: (error as Error).message }, 'could not read tool pins from the state database');
    });
    this.#queue = run;
    return run;
  }

  #now(): number {
    return this.#options.clock.now();
  }
}

/** A listed tool shown with another definition: its pinned parts replaced, the rest (`_meta`, icons) kept. */
function shownAs(item: ListedTool, definition: ToolDefinition): ListedTool {
  const shown: Record<string, unknown> = { ...item };
  for (const field of PINNED_FIELDS) delete shown[field];
  return { ...shown, ...definition };
}

function withClass(view: ToolView, toolClass: ToolClass | null): ToolView {
  return toolClass === null ? view : { ...view, toolClass };
}

/** What clients see of a server's pins, as one string: when it changes, they must be told. */
function viewKey(pins: ServerPins | undefined): string {
  if (pins === undefined) return '';
  const tools = [...pins.tools.values()].map((pin) =>
    [
      pin.name,
      pin.accepted?.fingerprint,
      pin.pending?.fingerprint,
      pin.removedAt === null,
      JSON.stringify([pin.accepted?.toolClass, pin.pending?.toolClass, pin.listedClass]),
    ].join(':'),
  );
  return [pins.instructions.accepted.fingerprint, pins.instructions.pending?.fingerprint, ...tools].join('\n');
}
