import type { ToolClass } from '../risk/classification.js';
import { stricterClass, type PinEffect, type PinRules, type ToolPin } from './pin.js';
import type { ToolDefinition } from './tool-fingerprint.js';

/** Why calls to a tool are refused until an operator accepts a change. */
export type UnacceptedChange =
  /** Its definition changed since it was accepted. */
  | 'changed'
  /** It is new, and `pinning.added` is `hold`. */
  | 'added'
  /** Its server's instructions changed, and `pinning.changed` is `block`. */
  | 'instructions';

/** What clients get of a tool, as its pin and the rules say. */
export type PinView =
  /** Listed as the server lists it, decided under its class. */
  | { readonly kind: 'trusted'; readonly toolClass: ToolClass | null }
  /** Listed with its accepted definition; calls refused until the change is accepted. */
  | {
      readonly kind: 'blocked';
      readonly definition: ToolDefinition;
      readonly toolClass: ToolClass | null;
      readonly change: 'changed';
    }
  /** Listed as the server lists it now, decided under the stricter of its accepted and present classes. */
  | { readonly kind: 'stricter'; readonly toolClass: ToolClass | null }
  /** Not listed; calls refused until accepted. */
  | { readonly kind: 'held'; readonly change: 'added' | 'instructions' }
  /** The server lists it no more. */
  | { readonly kind: 'removed' };

/**
 * What a tool comes to for clients. `instructionsPending`: its server's instructions changed and nobody has
 * accepted them yet; under `block` that holds every tool of the server, under `stricter` it makes each decided
 * under the stricter class.
 */
export function pinView(pin: ToolPin, instructionsPending: boolean, rules: PinRules): PinView {
  if (pin.removedAt !== null) return { kind: 'removed' };
  const { accepted, pending } = pin;
  if (accepted === null) {
    // A new tool never accepted: only `hold` can have left it so, and it stays held under it.
    if (rules.added === 'hold') return { kind: 'held', change: 'added' };
    return { kind: 'trusted', toolClass: pin.listedClass ?? pending?.toolClass ?? null };
  }
  if (instructionsPending && rules.changed === 'block') return { kind: 'held', change: 'instructions' };
  if (pending !== null) {
    if (rules.changed === 'block') {
      return { kind: 'blocked', definition: accepted.definition, toolClass: accepted.toolClass, change: 'changed' };
    }
    return { kind: 'stricter', toolClass: stricterClass(accepted.toolClass, pending.toolClass) };
  }
  if (instructionsPending) return { kind: 'stricter', toolClass: stricterClass(accepted.toolClass, pin.listedClass) };
  return { kind: 'trusted', toolClass: pin.listedClass ?? accepted.toolClass };
}

/** What a view does to calls: refused, decided under the stricter class, or nothing. */
export function effectOf(view: PinView): PinEffect {
  switch (view.kind) {
    case 'blocked':
    case 'held':
      return 'refused';
    case 'stricter':
      return 'stricter';
    default:
      return 'none';
  }
}

/** How a server's tool is shown to clients, and what a call to it meets. */
export interface ToolView {
  /** What clients are shown; null when the tool is not listed (it is still routed, so that a call is told why). */
  readonly item: Readonly<Record<string, unknown>> | null;
  /** Its class, for the policy's `categories` and `risks` rules; absent when unclassified. */
  readonly toolClass?: ToolClass;
  /** Set while its calls are refused until an operator accepts a change. */
  readonly unaccepted?: UnacceptedChange;
}
