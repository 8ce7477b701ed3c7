/**
 * Phrases and connectives: how descriptions open, list, negate and advise. Data only.
 */
import type { Category } from './classification.js';
import { wordSet } from './nouns.js';

/** A phrase anywhere in a description, and what it says about the tool. */
export interface Phrase {
  readonly pattern: RegExp;
  readonly category: Category;
  readonly finding: string;
}

/** Phrases that describe consequences rather than name the action; they weigh less than the leading verb. */
export const PHRASES: readonly Phrase[] = [
  {
    pattern:
      /\b(?:cannot|can ?not|can't|won't) be (?:undone|reversed|recovered|restored)|\birreversibl[ey]|\bno undo\b|\bnot (?:be )?(?:reversible|recoverable)\b/i,
    category: 'Destructive',
    finding: 'says the effect cannot be undone',
  },
  {
    pattern: /\bpermanent(?:ly)? (?:delet|remov|destroy|eras|purg|wip)\w*/i,
    category: 'Destructive',
    finding: 'says something is permanently removed',
  },
  {
    pattern:
      /\b(?:arbitrary|any|raw) (?:code|commands?|scripts?|shell|sql|javascript|js|python|programs?)\b|\b(?:shell|terminal|system|os|bash|powershell) commands?\b|\bremote code execution\b|\bRCE\b/i,
    category: 'Execute',
    finding: 'runs arbitrary code or commands',
  },
  {
    pattern: /\b(?:using|via|with|through) (?:the |a |an )?[\w.-]+ (?:cli|command[- ]line|binary|executable)\b/i,
    category: 'Execute',
    finding: 'runs a program',
  },
  {
    pattern:
      /\b(?:moves?|transfers?|sends?|spends?) (?:real )?(?:money|funds)\b|\bcharges? (?:the|a|their) (?:card|customer)\b/i,
    category: 'Financial',
    finding: 'moves money',
  },
];

/** Words in a description that say the tool changes nothing (its own words, so they count; a hint would not). */
export const READ_ONLY_PHRASE =
  /\bread[- ]?only\b|\bwithout (?:any )?side[- ]effects\b|\bno side[- ]effects\b|\bdoes(?: not|n't) (?:modify|change|alter|write|mutate)\b|\bonly (?:reads|retrieves|returns)\b|\bselect[- ]only\b|\bonly select\b/i;

/**
 * How a sentence opens before its verb: labels, "This tool allows you to", "Use this tool to", "A tool for".
 * Applied to the lower-cased start of a sentence, repeatedly.
 */
export const PREAMBLE =
  /^(?:\s+|[-*•>#|]+|[\w .-]{1,30}\s+\|\s+|\[[^\]]{0,60}\]|\([^)]{0,60}\)|[\p{Extended_Pictographic}\uFE0F\u200D]+|(?:deprecated|experimental|beta|alpha|note|important|warning|caution|danger|dangerous|admin|internal|legacy|new|preview|unsafe|destructive|read[- ]only|tool|description|purpose|summary|action)\s*[:–—-]\s+|(?:this|the|a|an)\s+(?:[\w-]+\s+){0,3}?(?:tool|function|endpoint|command|operation|method|action|api|utility|helper|wrapper|call)\s+(?:will\s+|can\s+|that\s+|which\s+|to\s+|for\s+|lets\s+you\s+|allows\s+(?:you\s+)?to\s+|enables\s+(?:you\s+)?to\s+|helps\s+(?:you\s+)?(?:to\s+)?|is\s+used\s+(?:to|for)\s+|is\s+for\s+|is\s+designed\s+to\s+|is\s+able\s+to\s+|attempts\s+to\s+|tries\s+to\s+|should\s+be\s+used\s+to\s+|can\s+be\s+used\s+to\s+|may\s+be\s+used\s+to\s+)*|(?:use|call|invoke)\s+(?:this|me)(?:\s+(?:tool|function))?\s+(?:to|for)\s+|(?:tool|function|api|endpoint|method|utility|wrapper)\s+(?:to|for|that)\s+|(?:allows?|lets?|enables?|helps?|permits?)\s+(?:you|the\s+(?:user|agent|model|assistant|ai|llm|client|caller)|users|agents|an?\s+(?:agent|user|ai|llm))\s+(?:to\s+)?|(?:used|designed|meant|intended)\s+(?:to|for)\s+|(?:can|may)\s+be\s+used\s+(?:to|for)\s+|(?:is|are)\s+used\s+(?:to|for)\s+|(?:attempts?|tries|try)\s+to\s+)/iu;

/** Later sentences that advise the model rather than say what the tool does ("Use X for that", "Returns…"). */
export const GUIDANCE =
  /^(?:use|using|call|prefer|see|note|tip|hint|example|examples|e\.g\.|eg|for example|for instance|useful|ideal|best|perfect|great|good|recommended|only|do not|don't|never|avoid|if|when|whenever|before|after|once|unless|make sure|ensure|remember|returns?|outputs?|responds?|the (?:response|result|output|input)|results?|args|arguments|parameters|params|inputs?|requires?|required|accepts?|takes?|defaults?|by default|this is|it is|these|those|works|caution|warning|important|dangerous|deprecated|tips?)\b/i;

/** Words that cancel what follows them in the same clause: "does not delete", "without changing". */
export const NEGATIONS = wordSet(`not never no without doesn't doesn’t don't don’t won't won’t cannot can't can’t
  nor neither nothing instead rather refuses refuse avoid avoids prevent prevents non unless`);

/** Connectives that make verbs peers: "Create or update", "Disconnects … and removes", "List, create, or close". */
export const COORDINATORS = wordSet(`and or and/or & plus then`);

/** Words after which a list elaborates what the tool can do: "Manage branches: list, create, delete". */
export const ELABORATORS = wordSet(`including such e.g eg like supports via`);

/** Words that open a subordinate clause: verbs after them describe something else ("an operation that gathers"). */
export const SUBORDINATORS = wordSet(
  `that which who whose where when while if because so until unless whether once before after whenever`,
);

/** Words after which a verb that is also a noun is the noun: "Run history of", "Build status for". */
export const NOUN_FOLLOWERS = wordSet(
  `of for history status details info id ids log logs data list summary results result is are was`,
);
