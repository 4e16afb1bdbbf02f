import { parseIsoTime } from '../routes/list-query';
import { badRequest } from './errors';
import { hasNul, undecodable } from './fields';

/** Glance's [DEFAULT] limit_param_default and api_limit_max. */
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 1000;

export const SORT_KEYS = [
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

/** Text columns that take `eq:` and `in:` filters. */
export const TEXT_FILTERS = ['name', 'id', 'status', 'container_format', 'disk_format'] as const;
export type TextFilterColumn = (typeof TEXT_FILTERS)[number] | 'owner' | 'checksum' | 'os_hash_algo' | 'os_hash_value';

export type NumericColumn = 'size' | 'min_disk' | 'min_ram';
export type TimeOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface GlanceListQuery {
  limit: number;
  marker?: string | undefined;
  /** Requested sort keys, then created_at and id as tie breakers (in the first direction), as Glance does. */
  sort: { key: SortKey; dir: SortDir }[];
  /** `all` lists every image the caller may see, community ones included. */
  visibility?: 'public' | 'private' | 'shared' | 'community' | 'all' | undefined;
  hidden: boolean;
  protected?: boolean | undefined;
  tags: string[];
  text: { column: TextFilterColumn; values: string[] }[];
  numeric: { column: NumericColumn; op: 'min' | 'max' | 'eq'; value: number }[];
  times: { column: 'created_at' | 'updated_at'; op: TimeOp; at: Date }[];
  /** Any other parameter filters on an extra property of that name. */
  properties: [string, string][];
}

const VISIBILITIES = ['community', 'public', 'private', 'shared', 'all'] as const;
const MEMBER_STATUSES = ['pending', 'accepted', 'rejected', 'all'];
const TIME_OPS: readonly string[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];
const EXACT_COLUMNS: readonly TextFilterColumn[] = ['owner', 'checksum', 'os_hash_algo', 'os_hash_value'];
const NUMERIC_COLUMNS: readonly string[] = ['size', 'min_disk', 'min_ram'];

/** utils.split_filter_op: `op:value`, except that an ISO time with colons and no operator means `eq`. */
function splitFilterOp(expression: string): [string, string] {
  const at = expression.indexOf(':');
  if (at < 0) return ['eq', expression];
  if (parseIsoTime(expression)) return ['eq', expression];
  return [expression.slice(0, at), expression.slice(at + 1)];
}

/** utils.split_filter_value_for_quotes: a comma list in which "double quoted" items may hold commas. */
export function splitInList(text: string): string[] {
  const values: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
      }
      values.push(value);
      i = j + 1;
      if (text[i] === ',') i++;
    } else if (text[i] === ',') {
      values.push('');
      i++;
    } else {
      const end = text.indexOf(',', i);
      values.push(text.slice(i, end < 0 ? text.length : end));
      i = end < 0 ? text.length : end + 1;
    }
  }
  return values;
}

function validateSortKey(key: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(key)) {
    throw badRequest(`Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  }
  return key as SortKey;
}

function validateSortDir(dir: string): SortDir {
  if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid sort direction: ${dir}`);
  return dir;
}

function sorting(params: Map<string, string[]>): { key: SortKey; dir: SortDir }[] {
  const keys: SortKey[] = [];
  const dirs: SortDir[] = [];
  const sort = params.get('sort');
  if (sort) {
    if (params.has('sort_key') || params.has('sort_dir')) {
      throw badRequest('Old and new sorting syntax cannot be combined');
    }
    for (const item of sort.at(-1)!.trim().split(',')) {
      const [key = '', dir = ''] = item.split(':', 2);
      keys.push(validateSortKey(key.trim()));
      dirs.push(validateSortDir(dir.trim() || 'desc'));
    }
  } else {
    for (const key of params.get('sort_key') ?? []) keys.push(validateSortKey(key.trim()));
    for (const dir of params.get('sort_dir') ?? []) dirs.push(validateSortDir(dir.trim()));
    if (dirs.length > 1 && dirs.length !== keys.length) {
      throw badRequest('Number of sort dirs does not match the number of sort keys');
    }
  }
  if (keys.length === 0) keys.push('created_at');
  const defaultDir = dirs.length === 1 ? dirs[0]! : 'desc';
  const order = keys.map((key, i) => ({ key, dir: dirs[i] ?? defaultDir }));
  for (const key of ['created_at', 'id'] as const) {
    if (!keys.includes(key)) order.push({ key, dir: defaultDir });
  }
  return order;
}

function booleanFilter(name: string, value: string): boolean {
  if (value !== 'true' && value !== 'false') {
    throw badRequest(`Invalid value '${value}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  }
  return value === 'true';
}

function integer(text: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw badRequest('Unable to filter on a range with a non-numeric value.');
  }
  return value;
}

/**
 * GET /v2/images query parameters as Glance's deserializer and database layer read them. Repeated `tag`,
 * `sort_key` and `sort_dir` keep every value; any other parameter counts once, with its last value.
 */
export function parseGlanceListQuery(query: URLSearchParams): GlanceListQuery {
  const params = new Map<string, string[]>();
  for (const [key, value] of query) {
    if (hasNul(key) || hasNul(value)) throw undecodable();
    params.set(key, [...(params.get(key) ?? []), value]);
  }
  const last = (key: string) => params.get(key)?.at(-1);

  let limit = DEFAULT_PAGE_SIZE;
  const rawLimit = last('limit');
  if (rawLimit !== undefined) {
    if (!/^\s*[+-]?\d+\s*$/.test(rawLimit)) throw badRequest('limit param must be an integer');
    const n = Number(rawLimit);
    if (n < 0) throw badRequest('limit param must be positive');
    limit = Math.min(n, MAX_PAGE_SIZE);
  }
  const memberStatus = last('member_status');
  if (memberStatus !== undefined && !MEMBER_STATUSES.includes(memberStatus)) {
    throw badRequest(`Invalid status: ${memberStatus}`);
  }
  const visibility = last('visibility');
  if (visibility && !(VISIBILITIES as readonly string[]).includes(visibility)) {
    throw badRequest(`Invalid visibility value: ${visibility}`);
  }
  if (params.has('changes-since')) throw badRequest('The "changes-since" filter is no longer available on v2.');

  const result: GlanceListQuery = {
    limit,
    marker: last('marker'),
    sort: sorting(params),
    visibility: (visibility || undefined) as GlanceListQuery['visibility'],
    hidden: booleanFilter('os_hidden', (last('os_hidden') ?? 'false').toLowerCase()),
    protected: params.has('protected') ? booleanFilter('protected', last('protected')!) : undefined,
    tags: (params.get('tag') ?? []).map((t) => t.trim()),
    text: [],
    numeric: [],
    times: [],
    properties: [],
  };
  const handled = new Set([
    'limit',
    'marker',
    'member_status',
    'visibility',
    'sort',
    'sort_key',
    'sort_dir',
    'os_hidden',
    'protected',
    'tag',
  ]);
  for (const [key, values] of params) {
    if (handled.has(key)) continue;
    const value = values.at(-1)!;
    if ((TEXT_FILTERS as readonly string[]).includes(key)) {
      const [op, operand] = splitFilterOp(value);
      if (op === 'in') result.text.push({ column: key as TextFilterColumn, values: splitInList(operand) });
      else if (op === 'eq') result.text.push({ column: key as TextFilterColumn, values: [operand] });
      else throw badRequest(`Unable to filter by unknown operator '${op}'.`);
    } else if ((EXACT_COLUMNS as readonly string[]).includes(key)) {
      result.text.push({ column: key as TextFilterColumn, values: [value] });
    } else if (key.endsWith('_min') || key.endsWith('_max')) {
      const column = key.slice(0, -4);
      if (!NUMERIC_COLUMNS.includes(column)) {
        result.properties.push([key, value]);
        continue;
      }
      result.numeric.push({
        column: column as NumericColumn,
        op: key.endsWith('_min') ? 'min' : 'max',
        value: integer(value),
      });
    } else if (NUMERIC_COLUMNS.includes(key)) {
      result.numeric.push({ column: key as NumericColumn, op: 'eq', value: integer(value) });
    } else if (key === 'created_at' || key === 'updated_at') {
      const [op, text] = splitFilterOp(value);
      const at = parseIsoTime(text);
      if (!at) throw badRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
      if (!TIME_OPS.includes(op)) throw badRequest(`Unable to filter by unknown operator '${op}'.`);
      result.times.push({ column: key, op: op as TimeOp, at });
    } else {
      result.properties.push([key, value]);
    }
  }
  return result;
}
