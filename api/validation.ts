import type { z } from 'zod';
import { BadRequest } from './errors';

function describeValue(value: unknown): string {
  if (value === undefined) return 'None';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Fields that hold secrets. A 400 quotes the offending value and 4xx messages are logged: never these. */
const SECRET_FIELDS: ReadonlySet<PropertyKey> = new Set(['adminPass']);
const REDACTED = '***';

function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, SECRET_FIELDS.has(key) ? REDACTED : redactSecrets(v)]),
  );
}

/** The value an error message quotes, with any secret in it masked. */
function quotedValue(root: unknown, path: readonly PropertyKey[]): string {
  if (path.some((key) => SECRET_FIELDS.has(key))) return REDACTED;
  return describeValue(redactSecrets(valueAt(root, path)));
}

/** Nova names only the innermost field of the path (jsonschema's `ex.path.pop()`). */
function fieldName(path: readonly PropertyKey[], fallback: string): string {
  const last = path[path.length - 1];
  return last === undefined ? fallback : String(last);
}

/**
 * Parses a request part with its zod schema, failing with Nova's jsonschema message:
 * `Invalid input for field/attribute <path>. Value: <value>. <reason>`. `root` names the input itself when it is
 * one field of Nova's body (an action's value is its `<key>`).
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, root?: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `'${k}'`).join(', ');
    const where = fieldName(issue.path, root ?? 'the request body');
    throw new BadRequest(
      `Invalid input for field/attribute ${where}. Value: ${quotedValue(input, issue.path)}. ` +
        `Additional properties are not allowed (${keys} ${issue.keys.length > 1 ? 'were' : 'was'} unexpected)`,
    );
  }
  const parentPath = issue.path.slice(0, -1);
  const key = issue.path[issue.path.length - 1];
  if (key !== undefined && isMissing(valueAt(input, parentPath), key)) {
    const required = `'${String(key)}' is a required property`;
    // jsonschema reports a property missing from the body itself with no path, and Nova prints the reason alone.
    if (parentPath.length === 0 && root === undefined) throw new BadRequest(required);
    throw new BadRequest(
      `Invalid input for field/attribute ${fieldName(parentPath, root ?? 'body')}. ` +
        `Value: ${quotedValue(input, parentPath)}. ${required}`,
    );
  }
  const field = fieldName(issue.path, root ?? 'body');
  const reason = issue.code === 'invalid_value' ? enumReason(issue.values, valueAt(input, issue.path)) : undefined;
  throw new BadRequest(
    `Invalid input for field/attribute ${field}. Value: ${quotedValue(input, issue.path)}. ${reason ?? issue.message}`,
  );
}

/**
 * jsonschema's message for a value outside an enum of strings (`'x' is not one of ['a', 'b']`), after its type
 * check (`3 is not of type 'string'`); undefined for other enums, whose zod message stands.
 */
function enumReason(values: readonly unknown[], value: unknown): string | undefined {
  if (values.length < 2 || !values.every((v) => typeof v === 'string')) return undefined;
  if (typeof value !== 'string') return `${pythonRepr(value)} is not of type 'string'`;
  return `${pythonRepr(value)} is not one of [${values.map(pythonRepr).join(', ')}]`;
}

/** A field the schema needs that the object does not have: jsonschema's `required`, reported on the object. */
function isMissing(parent: unknown, key: PropertyKey): boolean {
  return parent !== null && typeof parent === 'object' && !Array.isArray(parent) && !(key in parent);
}

/** A scalar as Python prints it, as jsonschema's messages (`'x' is not one of ['a', 'b']`) quote values. */
function pythonRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'object' ? JSON.stringify(value) : String(value as number | bigint);
}
