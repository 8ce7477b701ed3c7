/**
 * What a tool's input schema says: parameters that carry code, force flags, paths, amounts of money,
 * recipients and secrets, and the operations a many-purpose tool lists in an enum. The schema is untrusted data of
 * any shape; the walk is bounded in depth and in size.
 */
import {
  AMOUNT_PARAMETER_WORDS,
  CODE_PARAMETER_WORDS,
  CURRENCY_WORDS,
  FORCE_FLAG_WORDS,
  NOT_CODE_QUALIFIERS,
  OPERATION_PARAMETER_WORDS,
  PATH_PARAMETER_WORDS,
  RECIPIENT_PARAMETER_WORDS,
  RUNS_TEXT,
  SECRET_PARAMETER_WORDS,
} from './parameter-words.js';
import { identifierWords } from './words.js';

/** One parameter, as far as the classifier cares. */
export interface Parameter {
  /** Its path from the schema's root: `force`, `options.recursive`, `files[].path`. */
  readonly path: string;
  readonly name: string;
  readonly words: readonly string[];
  readonly types: readonly string[];
  readonly description: string;
  readonly enumValues: readonly string[];
  /** Listed in its object's `required`. */
  readonly required: boolean;
}

type ParameterKind = 'code' | 'flag' | 'path' | 'amount' | 'recipient' | 'secret' | 'operations';

export interface ParameterCue {
  readonly kind: ParameterKind;
  readonly parameter: Parameter;
}

const MAX_DEPTH = 4;
const MAX_PARAMETERS = 300;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typesOf(schema: Record<string, unknown>): string[] {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string');
  if (Array.isArray(schema.enum)) return ['string'];
  return [];
}

/** Every parameter of an input schema, nested objects and array items included, in schema order. */
export function parametersOf(schema: unknown): Parameter[] {
  const out: Parameter[] = [];
  const visit = (node: unknown, prefix: string, depth: number): void => {
    if (!isRecord(node) || depth > MAX_DEPTH || out.length >= MAX_PARAMETERS) return;
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      const branches = node[key];
      if (Array.isArray(branches)) for (const branch of branches.slice(0, 8)) visit(branch, prefix, depth + 1);
    }
    if (isRecord(node.items)) visit(node.items, `${prefix}[]`, depth + 1);
    const properties = node.properties;
    if (!isRecord(properties)) return;
    const required = Array.isArray(node.required)
      ? node.required.filter((r): r is string => typeof r === 'string')
      : [];
    for (const [name, value] of Object.entries(properties)) {
      if (out.length >= MAX_PARAMETERS) return;
      const path = prefix === '' ? name : `${prefix}.${name}`;
      const property = isRecord(value) ? value : {};
      const description = typeof property.description === 'string' ? property.description : '';
      const enumValues = Array.isArray(property.enum)
        ? property.enum.filter((v): v is string => typeof v === 'string').slice(0, 50)
        : [];
      out.push({
        path,
        name,
        words: identifierWords(name).map((word) => word.text),
        types: typesOf(property),
        description,
        enumValues,
        required: required.includes(name),
      });
      visit(property, path, depth + 1);
    }
  };
  visit(schema, '', 0);
  return out;
}

const takes = (parameter: Parameter, ...types: string[]) =>
  parameter.types.length === 0 || parameter.types.some((type) => types.includes(type));

/** Parameter names that hold code in some tools and plain text in others. */
const MAYBE_CODE = new Set([
  'query',
  'expression',
  'expr',
  'statement',
  'function',
  'input',
  'body',
  'source',
  'text',
  'content',
  'payload',
  'program',
  'pipeline',
  'stdin',
]);

function isCode(parameter: Parameter): boolean {
  if (parameter.enumValues.length > 0 || !takes(parameter, 'string', 'array')) return false;
  const last = parameter.words.at(-1);
  if (last !== undefined && CODE_PARAMETER_WORDS.has(last)) {
    return !parameter.words.slice(0, -1).some((word) => NOT_CODE_QUALIFIERS.has(word));
  }
  // `query`, `expression`, `function`, `input`: code only when the description says it is run.
  return parameter.words.some((word) => MAYBE_CODE.has(word)) && RUNS_TEXT.test(parameter.description);
}

function isFlag(parameter: Parameter): boolean {
  if (!takes(parameter, 'boolean')) return false;
  const words = parameter.words;
  // `confirmDangerousAction` asks for a confirmation: a safeguard, not a way around one.
  if (words.some((word) => word === 'confirm' || word === 'confirmation' || word === 'confirmed')) return false;
  if (words.some((word) => word === 'refresh' || word === 'reload' || word === 'fetch' || word === 'cache'))
    return false;
  return words.some((word) => FORCE_FLAG_WORDS.has(word));
}

const NOT_A_FILE_PATH = /\b(?:url|uri|json ?path|jsonpath|xpath|api|endpoint|route|http|css|glob|regex|pattern)\b/i;

function isPath(parameter: Parameter): boolean {
  if (!takes(parameter, 'string', 'array') || parameter.enumValues.length > 0) return false;
  const words = parameter.words;
  const named = words.some((word) => PATH_PARAMETER_WORDS.has(word)) || (words.at(-1) === 'file' && words.length > 1);
  if (!named) return false;
  if (words.some((word) => ['filter', 'pattern', 'patterns', 'glob', 'exclude', 'include', 'url'].includes(word))) {
    return false;
  }
  return !NOT_A_FILE_PATH.test(parameter.description);
}

function isAmount(parameter: Parameter, currencyInSchema: boolean, toolText: string): boolean {
  if (!takes(parameter, 'number', 'integer', 'string')) return false;
  if (!parameter.words.some((word) => AMOUNT_PARAMETER_WORDS.has(word))) return false;
  return currencyInSchema || CURRENCY_WORDS.test(parameter.description) || CURRENCY_WORDS.test(toolText);
}

function isRecipient(parameter: Parameter): boolean {
  if (!takes(parameter, 'string', 'array')) return false;
  const [first] = parameter.words;
  if (first === 'to' || first === 'recipient' || first === 'recipients' || first === 'cc' || first === 'bcc')
    return true;
  return parameter.words.some((word) => RECIPIENT_PARAMETER_WORDS.has(word) && word !== 'to');
}

/** Words that make `token` a token of something else (a crypto token's address, a page token). */
const NOT_A_SECRET = new Set([
  'max',
  'page',
  'next',
  'continuation',
  'cursor',
  'limit',
  'count',
  'usage',
  'id',
  'address',
  'symbol',
  'type',
  'name',
  'info',
  'contract',
  'decimals',
  'amount',
  'standard',
  'uri',
]);
const SECRET_TOKEN_WORDS = new Set([
  'auth',
  'access',
  'api',
  'bearer',
  'bot',
  'refresh',
  'session',
  'oauth',
  'personal',
  'github',
  'slack',
  'discord',
]);

function isSecret(parameter: Parameter): boolean {
  if (!takes(parameter, 'string', 'array') || parameter.enumValues.length > 0) return false;
  const words = parameter.words;
  if (words.some((word) => NOT_A_SECRET.has(word))) return false;
  const joined = words.join('');
  if (words.includes('token')) return words.length === 1 || words.some((word) => SECRET_TOKEN_WORDS.has(word));
  return (
    words.some((word) => SECRET_PARAMETER_WORDS.has(word) && word !== 'token') ||
    joined.includes('apikey') ||
    joined.includes('privatekey') ||
    joined.includes('accesskey')
  );
}

/** What the parameters say; each parameter is named by the first kind it fits, and by every kind that adds to it. */
export function readParameters(parameters: readonly Parameter[], toolText: string): ParameterCue[] {
  const currencyInSchema = parameters.some((parameter) => parameter.words.includes('currency'));
  const cues: ParameterCue[] = [];
  for (const parameter of parameters) {
    if (parameter.enumValues.length > 0 && parameter.words.some((word) => OPERATION_PARAMETER_WORDS.has(word))) {
      cues.push({ kind: 'operations', parameter });
      continue;
    }
    if (isCode(parameter)) cues.push({ kind: 'code', parameter });
    else if (isFlag(parameter)) cues.push({ kind: 'flag', parameter });
    else if (isPath(parameter)) cues.push({ kind: 'path', parameter });
    else if (isAmount(parameter, currencyInSchema, toolText)) cues.push({ kind: 'amount', parameter });
    else if (isRecipient(parameter)) cues.push({ kind: 'recipient', parameter });
    else if (isSecret(parameter)) cues.push({ kind: 'secret', parameter });
  }
  return cues;
}
