import { z } from 'zod';
import { badRequest, forbidden, type GlanceError } from './errors';

/** Glance's [image_format] defaults. */
export const DISK_FORMATS = [
  'ami',
  'ari',
  'aki',
  'vhd',
  'vhdx',
  'vmdk',
  'raw',
  'qcow2',
  'vdi',
  'iso',
  'ploop',
] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const VISIBILITIES = ['community', 'public', 'private', 'shared'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** PostgreSQL integer columns hold min_disk and min_ram. */
const MAX_INT = 2_147_483_647;
const UUID_PATTERN = /^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$/;

/** The core attributes a client may set, each as Glance's image schema types it. */
export const CORE_FIELDS = {
  id: z.string().regex(UUID_PATTERN),
  name: z.string().max(255).nullable(),
  visibility: z.enum(VISIBILITIES),
  protected: z.boolean(),
  os_hidden: z.boolean(),
  owner: z.string().max(255).nullable(),
  container_format: z.enum(CONTAINER_FORMATS).nullable(),
  disk_format: z.enum(DISK_FORMATS).nullable(),
  min_ram: z.int(),
  min_disk: z.int(),
  tags: z.array(z.string().max(255)),
} as const;
export type CoreField = keyof typeof CORE_FIELDS;

/** Attributes the server sets: naming one in a create or a patch is a 403. */
export const READ_ONLY = [
  'created_at',
  'updated_at',
  'status',
  'checksum',
  'size',
  'virtual_size',
  'direct_url',
  'self',
  'file',
  'schema',
  'id',
  'os_hash_algo',
  'os_hash_value',
  'stores',
] as const;
const RESERVED = ['location', 'deleted', 'deleted_at'];
const RESERVED_NAMESPACE = 'os_glance';

/** Extra properties are strings (the permissive schema's additionalProperties). */
export const PROPERTY_VALUE = z.string();

/** A value as Python's repr shows it in jsonschema's messages. */
function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `'${k}': ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** jsonschema's wording for the first zod issue. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const value = pyRepr(valueAt(input, issue.path));
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' || issue.expected === 'number' ? 'integer' : issue.expected;
      return `${value} is not of type '${expected === 'record' ? 'object' : expected}'`;
    }
    case 'invalid_value':
      return `${value} is not one of [${issue.values.map(pyRepr).join(', ')}]`;
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `${value} is too long`
        : `${value} is greater than the maximum of ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `${value} is too short`
        : `${value} is less than the minimum of ${String(issue.minimum)}`;
    case 'invalid_format':
      return `${value} does not match '${issue.format === 'regex' ? (issue as { pattern?: string }).pattern : issue.format}'`;
    case 'custom':
    case 'invalid_element':
    case 'invalid_key':
    case 'invalid_union':
    case 'not_multiple_of':
    case 'unrecognized_keys':
      return `${value} is not valid under the schema`;
  }
}

/** Validates against the image schema: 400 `Provided object does not match schema 'image': <reason>`. */
export function parseAgainstSchema<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw badRequest(`Provided object does not match schema 'image': ${describeIssue(result.error.issues[0]!, input)}`);
}

/** 403 for an attribute no client may set; null when the name is allowed. */
export function refusedAttribute(name: string): GlanceError | null {
  if ((READ_ONLY as readonly string[]).includes(name)) return forbidden(`Attribute '${name}' is read-only.`);
  if (RESERVED.includes(name) || name.startsWith(RESERVED_NAMESPACE))
    return forbidden(`Attribute '${name}' is reserved.`);
  return null;
}

/** min_disk and min_ram: Glance's domain refuses negative values (and PostgreSQL's integer caps them). */
export function checkMinimum(param: 'min_disk' | 'min_ram', value: number): void {
  if (value < 0) throw badRequest(`Invalid value '${value}' for parameter '${param}': Cannot be a negative value`);
  if (value > MAX_INT)
    throw badRequest(`Invalid value '${value}' for parameter '${param}': Cannot be greater than ${MAX_INT}`);
}

/** Glance keeps tags as a set: duplicates collapse, first occurrence first. */
export function tagSet(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}

/** Whether a value holds a NUL character anywhere (PostgreSQL text and jsonb cannot store one). */
export function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, v]) => hasNul(key) || hasNul(v));
  }
  return false;
}

/** Glance's answer to text it cannot decode, used for text it cannot store. */
export function undecodable(): GlanceError {
  return badRequest(
    'Error decoding your request. Either the URL or the request body contained characters that could not be ' +
      'decoded by Glance',
  );
}
