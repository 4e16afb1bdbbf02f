import { z } from 'zod';
import { BadRequest } from '../errors';

/** A query string as Nova's validator sees it: each parameter once, its last value (WebOb's `GET[name]`). */
export function lastValues(query: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of query) values[key] = value;
  return values;
}

/** Nova's `non_negative_integer` query parameter (limit). */
export const nonNegativeInteger = z
  .string()
  .min(1, { error: (issue) => `'${String(issue.input)}' is too short` })
  .regex(/^[0-9]*$/, { error: (issue) => `'${String(issue.input)}' does not match '^[0-9]*$'` })
  .transform(Number);

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** An ISO 8601 timestamp; one without a zone is UTC, as oslo's parse_isotime reads it. */
export function parseIsoTime(text: string): Date | null {
  if (!ISO_DATE_TIME.test(text)) return null;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const at = new Date(zoned.replace(' ', 'T'));
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Nova's `date-time` query parameter (changes-since). */
export const dateTime = z.string().transform((text, ctx) => {
  const at = parseIsoTime(text);
  if (!at) {
    ctx.issues.push({ code: 'custom', input: text, message: `'${text}' is not a 'date-time'` });
    return z.NEVER;
  }
  return at;
});

/** Parses query parameters with Nova's message `Invalid input for query parameters <name>. Value: <v>. <reason>`. */
export function parseQuery<S extends z.ZodType>(schema: S, values: Record<string, string>): z.infer<S> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0] ?? '');
  const value = values[name] ?? 'None';
  throw new BadRequest(`Invalid input for query parameters ${name}. Value: ${value}. ${issue.message}`);
}

/** From 2.75 Nova's query schemas forbid additional properties: an unknown parameter is a 400. */
export function rejectUnknownParams(values: Record<string, string>, known: ReadonlySet<string>): void {
  const unknown = Object.keys(values).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  const names = unknown.map((name) => `'${name}'`).join(', ');
  const verb = unknown.length > 1 ? 'were' : 'was';
  throw new BadRequest(`Additional properties are not allowed (${names} ${verb} unexpected)`);
}

/** The page size: the requested limit capped at max_limit, max_limit when none was given. */
export function pageSize(limit: number | undefined, maxLimit: number): number {
  return Math.min(limit ?? maxLimit, maxLimit);
}

const TRUE_STRINGS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_STRINGS = ['0', 'f', 'false', 'off', 'n', 'no'];

/** oslo's strict `bool_from_string`; undefined when the text is neither. */
export function strictBool(text: string): boolean | undefined {
  const lowered = text.trim().toLowerCase();
  if (TRUE_STRINGS.includes(lowered)) return true;
  if (FALSE_STRINGS.includes(lowered)) return false;
  return undefined;
}

export const ACCEPTED_BOOL_STRINGS = [...FALSE_STRINGS, ...TRUE_STRINGS]
  .sort()
  .map((s) => `'${s}'`)
  .join(', ');
