import type { Fragment, Sql } from 'postgres';
import type { ImageRow } from '../../domain/rows';
import type { RequestContext } from '../context';
import { BadRequest } from '../errors';
import type { GlanceListQuery, NumericColumn, SortKey, TextFilterColumn, TimeOp } from '../image/list-query';
import { allOf } from './conditions';
import { isUuid } from './uuid';

const COLUMNS = [
  'id',
  'name',
  'status',
  'disk_format',
  'container_format',
  'size_bytes',
  'checksum',
  'min_disk',
  'min_ram',
  'visibility',
  'owner',
  'properties',
  'store_sha256',
  'os_hash_algo',
  'os_hash_value',
  'protected',
  'os_hidden',
  'tags',
  'created_at',
  'updated_at',
] as const;
const GONE = ['deleted', 'pending_delete'];
/** Statuses Glance's list leaves out: deleted images and failed uploads. */
const UNLISTED = ['deleted', 'pending_delete', 'killed'];

export interface ImageListOptions {
  ctx: RequestContext;
  limit: number;
  marker?: string | undefined;
  name?: string | undefined;
  status?: string | undefined;
}

function visibleTo(sql: Sql, ctx: RequestContext) {
  if (ctx.isAdmin) return sql`TRUE`;
  return sql`(visibility IN ('public', 'community') OR owner = ${ctx.projectId})`;
}

/** Images the caller may see, newest first (Glance's default order), after the marker image. */
export async function listImages(sql: Sql, opts: ImageListOptions): Promise<ImageRow[]> {
  const { marker } = opts;
  if (marker !== undefined) {
    const [found] = isUuid(marker) ? await sql`SELECT 1 FROM images WHERE id = ${marker}` : [];
    if (!found) throw new BadRequest(`marker [${marker}] not found`);
  }
  const conditions = [
    visibleTo(sql, opts.ctx),
    sql`status NOT IN ${sql(GONE)}`,
    opts.name === undefined ? null : sql`name = ${opts.name}`,
    opts.status === undefined ? null : sql`status = ${opts.status.toLowerCase()}`,
    marker === undefined ? null : sql`(created_at, id) < (SELECT created_at, id FROM images WHERE id = ${marker})`,
  ].filter((c) => c !== null);
  return sql<ImageRow[]>`
    SELECT ${sql(COLUMNS)} FROM images
    WHERE ${allOf(sql, conditions)}
    ORDER BY created_at DESC, id DESC
    LIMIT ${opts.limit}`;
}

/** One image by id; with a caller, only an image that caller may see. Null for a non-uuid id. */
export async function getImage(sql: Sql, id: string, ctx?: RequestContext): Promise<ImageRow | null> {
  if (!isUuid(id)) return null;
  const visible = ctx ? visibleTo(sql, ctx) : sql`TRUE`;
  const [row] = await sql<ImageRow[]>`
    SELECT ${sql(COLUMNS)} FROM images
    WHERE id = ${id} AND status NOT IN ${sql(GONE)} AND ${visible}`;
  return row ?? null;
}

/** Sort expressions without NULLs, so the keyset comparison after a marker orders exactly like ORDER BY. */
function sortExpression(sql: Sql, key: SortKey): Fragment {
  switch (key) {
    case 'name':
      return sql`coalesce(name, '')`;
    case 'status':
      return sql`status`;
    case 'container_format':
      return sql`coalesce(container_format, '')`;
    case 'disk_format':
      return sql`coalesce(disk_format, '')`;
    case 'size':
      return sql`coalesce(size_bytes, -1)`;
    case 'id':
      return sql`id`;
    case 'created_at':
      return sql`created_at`;
    case 'updated_at':
      return sql`updated_at`;
  }
}

function textColumn(sql: Sql, column: TextFilterColumn): Fragment {
  switch (column) {
    case 'name':
      return sql`name`;
    case 'id':
      return sql`id::text`;
    case 'status':
      return sql`status`;
    case 'container_format':
      return sql`container_format`;
    case 'disk_format':
      return sql`disk_format`;
    case 'owner':
      return sql`owner`;
    case 'checksum':
      return sql`checksum`;
    case 'os_hash_algo':
      return sql`os_hash_algo`;
    case 'os_hash_value':
      return sql`os_hash_value`;
  }
}

/** As bigint: a filter value may exceed the integer range of min_disk and min_ram without being an error. */
function numericColumn(sql: Sql, column: NumericColumn): Fragment {
  switch (column) {
    case 'size':
      return sql`size_bytes`;
    case 'min_disk':
      return sql`min_disk::bigint`;
    case 'min_ram':
      return sql`min_ram::bigint`;
  }
}

function timeComparison(sql: Sql, op: TimeOp): Fragment {
  switch (op) {
    case 'gt':
      return sql`>`;
    case 'gte':
      return sql`>=`;
    case 'lt':
      return sql`<`;
    case 'lte':
      return sql`<=`;
    case 'eq':
      return sql`=`;
    case 'neq':
      return sql`<>`;
  }
}

function joined(sql: Sql, parts: readonly Fragment[], separator: Fragment): Fragment {
  const [first, ...rest] = parts;
  if (!first) return sql``;
  return rest.reduce((acc, part) => sql`${acc}${separator}${part}`, first);
}

/** Rows after the marker row in the given order: (k1 beyond m1) OR (k1 = m1 AND k2 beyond m2) OR ... */
function afterMarker(sql: Sql, order: GlanceListQuery['sort'], marker: string): Fragment {
  const markerValue = (key: SortKey) => sql`(SELECT ${sortExpression(sql, key)} FROM images WHERE id = ${marker})`;
  const branches = order.map((item, i) => {
    const equalBefore = order
      .slice(0, i)
      .map((prev) => sql`${sortExpression(sql, prev.key)} = ${markerValue(prev.key)}`);
    const beyond = item.dir === 'desc' ? sql`<` : sql`>`;
    const step = sql`${sortExpression(sql, item.key)} ${beyond} ${markerValue(item.key)}`;
    return sql`(${allOf(sql, [...equalBefore, step])})`;
  });
  return sql`(${joined(sql, branches, sql` OR `)})`;
}

/**
 * GET /v2/images (Glance): images the caller may see, filtered and sorted as Glance's database layer does,
 * one page after the marker. A regular caller sees public and community images and its own project's; an
 * admin sees all. Without a visibility filter, community images show only to their owner.
 */
export async function listGlanceImages(sql: Sql, ctx: RequestContext, query: GlanceListQuery): Promise<ImageRow[]> {
  const { marker } = query;
  if (marker !== undefined) {
    const found = await getImage(sql, marker, ctx);
    if (!found) throw new MarkerNotFound(marker);
  }
  const conditions: (Fragment | null)[] = [
    ctx.isAdmin ? null : sql`(visibility IN ('public', 'community') OR owner = ${ctx.projectId})`,
    query.visibility === undefined
      ? sql`(owner = ${ctx.projectId} OR visibility <> 'community')`
      : query.visibility === 'all'
        ? null
        : sql`visibility = ${query.visibility}`,
    sql`status NOT IN ${sql(UNLISTED)}`,
    sql`os_hidden = ${query.hidden}`,
    query.protected === undefined ? null : sql`protected = ${query.protected}`,
    ...query.tags.map((tag) => sql`${tag} = ANY(tags)`),
    ...query.text.map((f) => sql`${textColumn(sql, f.column)} IN ${sql(f.values)}`),
    ...query.numeric.map((f) => {
      const column = numericColumn(sql, f.column);
      return f.op === 'min'
        ? sql`${column} >= ${f.value}::bigint`
        : f.op === 'max'
          ? sql`${column} <= ${f.value}::bigint`
          : sql`${column} = ${f.value}::bigint`;
    }),
    ...query.times.map(
      (f) => sql`${f.column === 'created_at' ? sql`created_at` : sql`updated_at`} ${timeComparison(sql, f.op)} ${f.at}`,
    ),
    ...query.properties.map(([key, value]) => sql`properties ->> ${key} = ${value}`),
    marker === undefined ? null : afterMarker(sql, query.sort, marker),
  ];
  const order = query.sort.map((s) => sql`${sortExpression(sql, s.key)} ${s.dir === 'desc' ? sql`DESC` : sql`ASC`}`);
  return sql<ImageRow[]>`
    SELECT ${sql(COLUMNS)} FROM images
    WHERE ${allOf(
      sql,
      conditions.filter((c) => c !== null),
    )}
    ORDER BY ${joined(sql, order, sql`, `)}
    LIMIT ${query.limit}`;
}

/** A list marker that names no image the caller may see (Glance answers 400). */
export class MarkerNotFound extends Error {
  constructor(readonly marker: string) {
    super(`No image found with ID ${marker}`);
    this.name = 'MarkerNotFound';
  }
}
