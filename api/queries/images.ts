import type { Sql } from 'postgres';
import type { ImageRow } from '../../domain/rows';
import type { RequestContext } from '../context';
import { BadRequest } from '../errors';
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
  'tags',
  'created_at',
  'updated_at',
] as const;
const GONE = ['deleted', 'pending_delete'];

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
