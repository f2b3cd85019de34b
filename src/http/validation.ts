/**
 * Requests checked against their route's zod schemas, in one place: bodies and query strings take no
 * field they do not declare (a route whose schema would accept one does not start), and every refusal says
 * where, what was expected and what came, in words a merchant can act on — never zod's default text.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';

type Part = 'body' | 'query' | 'path' | 'header';

/** One thing wrong with a request, as `details.issues` carries it. */
export interface RequestIssue {
  in: Part;
  path: (string | number)[];
  /** The zod issue code, for machines: invalid_type, too_small, unrecognized_keys, … */
  code: string;
  message: string;
  expected?: string;
  received?: string;
}

/** A request its route's schema refused; the error handler answers it as `validation_failed`. */
export class InvalidRequest extends Error {
  readonly statusCode = 400;
  constructor(readonly issues: RequestIssue[]) {
    const first = issues[0]?.message ?? 'the request is not valid';
    super(issues.length > 1 ? `${first} (and ${issues.length - 1} more)` : first);
  }
}

const PARTS: Record<string, Part> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Stands for "no message of ours": the issue is worded from its structure and the schema. */
const UNWORDED = '\u0000';
/** One options object for every request, rather than a new one and a new function per check. */
const PARSE_OPTIONS = { reportInput: true, error: () => UNWORDED };

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart, method, url }) => {
  const part = PARTS[httpPart ?? 'body'] ?? 'body';
  if (part === 'body' || part === 'query') {
    const loose = looseObjects(schema);
    if (loose.length > 0) {
      throw new Error(
        `${method} ${url}: the ${part} schema accepts fields it does not declare at ${loose.join(', ')}; ` +
          'use z.strictObject so that they are refused',
      );
    }
  }
  return (data) => {
    // No body at all (clients send `Content-Type: application/json` on every POST) reads as an empty
    // object: where every field is optional it takes the defaults, otherwise the refusal names what is missing.
    const input = part === 'body' && (data === null || data === undefined) ? {} : data;
    const result = schema.safeParse(input, PARSE_OPTIONS);
    if (result.success) return { value: result.data };
    return { error: new InvalidRequest(result.error.issues.flatMap((issue) => worded(issue, schema, part))) };
  };
};

/** Where in a schema an object would keep fields it does not declare (paths like `variants[]`). */
export function looseObjects(schema: z.ZodType): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const visit = (node: z.ZodType, at: string) => {
    if (seen.has(node)) return;
    seen.add(node);
    const def = (node as unknown as { _zod: { def: Def } })._zod.def;
    switch (def.type) {
      case 'object':
        // A plain z.object drops what it does not declare; z.looseObject keeps it on purpose (a caller
        // such as Shopify adds parameters of its own).
        if (def.catchall === undefined) found.push(at || '(top)');
        for (const [key, value] of Object.entries(def.shape ?? {})) visit(value, at ? `${at}.${key}` : key);
        return;
      case 'array':
        return visit(def.element as z.ZodType, `${at}[]`);
      case 'union':
        for (const option of def.options ?? []) visit(option, at);
        return;
      case 'intersection':
        visit(def.left as z.ZodType, at);
        return visit(def.right as z.ZodType, at);
      case 'pipe':
        return visit(def.in as z.ZodType, at);
      case 'record':
        return visit(def.valueType as z.ZodType, `${at}{}`);
      default:
        if (def.innerType) visit(def.innerType, at);
    }
  };
  visit(schema, '');
  return found;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: unknown;
  options?: z.ZodType[];
  left?: unknown;
  right?: unknown;
  in?: unknown;
  valueType?: unknown;
  innerType?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
  checks?: { _zod: { def: { check: string; format?: string } } }[];
}

type Issue = z.core.$ZodIssue & { input?: unknown };

/** One zod issue as issues a person reads; a failed union is told by the option it came closest to. */
function worded(issue: Issue, root: z.ZodType, part: Part, prefix: (string | number)[] = []): RequestIssue[] {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const closest = [...issue.errors].sort((a, b) => weight(a) - weight(b))[0] ?? [];
    return closest.flatMap((inner) => worded(inner as Issue, root, part, path));
  }
  const where = fieldName(part, path);
  const at = schemaAt(root, path);
  const ours = issue.message !== UNWORDED ? issue.message : undefined;
  const received = describeValue(issue.input);
  const base = { in: part, path, code: issue.code };
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      const known = knownFields(schemaAt(root, path));
      const plural = issue.keys.length > 1 ? 's' : '';
      const unknown =
        part === 'query' && path.length === 0
          ? `unknown query parameter${plural} ${keys}`
          : `${where}: unknown field${plural} ${keys}`;
      const message = unknown + (known.length > 0 ? ` (it takes ${known.join(', ')})` : '');
      return [{ ...base, message, received: keys }];
    }
    case 'invalid_type': {
      const expected = (at && expectedOf(at)) ?? article(issue.expected);
      if (issue.input === undefined) {
        // A header is text by nature: what it is for says more.
        const what =
          part === 'header'
            ? at?.description
            : at?.description
              ? `${expected} (${at.description})`
              : expected;
        return [{ ...base, expected, message: `${where} is required: ${what ?? expected}` }];
      }
      return [
        { ...base, expected, received, message: `${where}: expected ${expected}, received ${received}` },
      ];
    }
    case 'invalid_union': {
      // No option matched the discriminator: the path ends at the discriminating field.
      const options = (issue as { options?: unknown[] }).options ?? [];
      const expected = options.length > 0 ? oneOf(options) : 'one of the documented shapes';
      const discriminator = (issue as { discriminator?: string }).discriminator;
      const value =
        discriminator && isRecord(issue.input) ? describeValue(issue.input[discriminator]) : received;
      return [
        { ...base, expected, received: value, message: `${where}: expected ${expected}, received ${value}` },
      ];
    }
    case 'custom':
      if (ours && isRecord(issue.input)) return [{ ...base, message: `${where}: ${ours}` }];
      break;
  }
  const numeric = (issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number';
  const expected = ours ?? (numeric && at ? expectedOf(at) : undefined) ?? expectation(issue);
  return [{ ...base, expected, received, message: `${where}: expected ${expected}, received ${received}` }];
}

/** How far an option of a union was from matching: fields it does not know count most. */
function weight(issues: readonly z.core.$ZodIssue[]): number {
  return issues.reduce((sum, issue) => sum + (issue.code === 'unrecognized_keys' ? 10 : 1), 0);
}

function expectation(issue: Issue): string {
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const side = issue.code === 'too_small' ? 'at least' : 'at most';
      const strictSide = issue.code === 'too_small' ? 'more than' : 'less than';
      const words = (issue as { exact?: boolean }).exact
        ? 'exactly'
        : issue.inclusive === false
          ? strictSide
          : side;
      if (issue.origin === 'string') {
        if (issue.code === 'too_small' && Number(bound) === 1) return 'text that is not empty';
        return `text of ${words} ${bound} character${Number(bound) === 1 ? '' : 's'}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `a list of ${words} ${bound} item${Number(bound) === 1 ? '' : 's'}`;
      }
      return `a number ${words} ${bound}`;
    }
    case 'invalid_format':
      return FORMATS[issue.format] ?? `text in the ${issue.format} format`;
    case 'invalid_value':
      return oneOf(issue.values);
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    default:
      return 'a valid value';
  }
}

const FORMATS: Record<string, string> = {
  datetime: 'an ISO 8601 date-time with its offset, such as 2026-12-01T09:00:00Z',
  date: 'a calendar date YYYY-MM-DD',
  url: 'a URL',
  email: 'an email address',
  regex: 'text in the documented format',
};

/** What a schema takes, in words: "a whole number from 0 to 10000000, or null". */
function expectedOf(schema: z.ZodType): string | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'nullable': {
      const inner = def.innerType && expectedOf(def.innerType);
      return inner ? `${inner}, or null` : undefined;
    }
    case 'optional':
    case 'default':
    case 'prefault':
    case 'readonly':
      return def.innerType && expectedOf(def.innerType);
    case 'number': {
      const number = schema as unknown as {
        isInt: boolean;
        minValue: number | null;
        maxValue: number | null;
      };
      const kind = number.isInt ? 'a whole number' : 'a number';
      const min = number.minValue;
      const max = number.maxValue;
      const finite = (value: number | null) => value !== null && Math.abs(value) < Number.MAX_SAFE_INTEGER;
      if (finite(min) && finite(max)) return `${kind} from ${min} to ${max}`;
      if (finite(min)) return `${kind} of at least ${min}`;
      if (finite(max)) return `${kind} of at most ${max}`;
      return kind;
    }
    case 'string':
      return 'text';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return oneOf(Object.values(def.entries ?? {}));
    case 'literal':
      return oneOf(def.values ?? []);
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    case 'union': {
      const options = (def.options ?? []).map(expectedOf);
      return options.every(Boolean) ? [...new Set(options)].join(' or ') : undefined;
    }
    case 'pipe':
      return expectedOf(def.in as z.ZodType);
    default:
      return undefined;
  }
}

/** The schema of the field at `path`, through wrappers, lists and the options of unions. */
function schemaAt(root: z.ZodType, path: readonly (string | number)[]): z.ZodType | undefined {
  let node: z.ZodType | undefined = root;
  for (const step of path) {
    node = node && childOf(node, step);
    if (!node) return undefined;
  }
  return node;
}

function childOf(schema: z.ZodType, step: string | number): z.ZodType | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return def.shape?.[String(step)];
    case 'array':
      return def.element as z.ZodType;
    case 'record':
      return def.valueType as z.ZodType;
    case 'union':
      for (const option of def.options ?? []) {
        const found = childOf(option, step);
        if (found) return found;
      }
      return undefined;
    case 'pipe':
      return childOf(def.in as z.ZodType, step);
    default:
      return def.innerType && childOf(def.innerType, step);
  }
}

function knownFields(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  const def = defOf(schema);
  if (def.type === 'object') return Object.keys(def.shape ?? {});
  if (def.type === 'union') return [...new Set((def.options ?? []).flatMap(knownFields))];
  if (def.type === 'pipe') return knownFields(def.in as z.ZodType);
  return def.innerType ? knownFields(def.innerType) : [];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** `body.variants[0].cap`, `query.limit`, `path.id`, `header Idempotency-Key`. */
function fieldName(part: Part, path: readonly (string | number)[]): string {
  if (part === 'header') {
    const name = String(path[0] ?? '').replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => {
      return dash + letter.toUpperCase();
    });
    return `header ${name}`;
  }
  return path.reduce<string>(
    (name, step) => (typeof step === 'number' ? `${name}[${step}]` : `${name}.${step}`),
    part,
  );
}

function article(type: string): string {
  const words: Record<string, string> = {
    string: 'text',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    object: 'an object',
    array: 'a list',
    null: 'null',
  };
  return words[type] ?? `a ${type}`;
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((value) => JSON.stringify(value));
  return shown.length === 1 ? (shown[0] as string) : `one of ${shown.join(', ')}`;
}

/** What came, short enough for a message: strings quoted and cut, containers by kind. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return value.length > 60
      ? `${JSON.stringify(value.slice(0, 57))}… (${value.length} characters)`
      : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
