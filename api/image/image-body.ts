import type { ImageRow } from '../../domain/rows';
import { isoTime } from '../views/time';

export type GlanceImageBody = Record<string, unknown>;

/** Where an image lives in the v2 API, relative to the service root as Glance writes it (`/v2/images/<id>`). */
export function imageHref(id: string, sub?: 'file'): string {
  return sub ? `/v2/images/${id}/${sub}` : `/v2/images/${id}`;
}

/**
 * An image as Glance v2 shows it: the extra properties flattened at the top level, then the core attributes
 * (which win over a property of the same name), timestamps to the second in UTC, and the self, file and
 * schema references. virtual_size is never measured here, so it is null.
 */
export function glanceImageBody(row: ImageRow): GlanceImageBody {
  return {
    ...row.properties,
    name: row.name,
    disk_format: row.disk_format,
    container_format: row.container_format,
    visibility: row.visibility,
    size: row.size_bytes === null ? null : Number(row.size_bytes),
    virtual_size: null,
    status: row.status,
    checksum: row.checksum,
    protected: row.protected,
    min_ram: row.min_ram,
    min_disk: row.min_disk,
    owner: row.owner,
    os_hidden: row.os_hidden,
    os_hash_algo: row.os_hash_algo,
    os_hash_value: row.os_hash_value,
    id: row.id,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
    tags: row.tags,
    self: imageHref(row.id),
    file: imageHref(row.id, 'file'),
    schema: '/v2/schemas/image',
  };
}

/**
 * GET /v2/images: the page, `first` (the same query without the marker), and `next` when the page is full
 * (Glance links on whenever the database returned `limit` rows, so a full last page links to an empty one).
 */
export function glanceImageList(
  rows: readonly ImageRow[],
  query: URLSearchParams,
  limit: number,
): { images: GlanceImageBody[]; first: string; schema: string; next?: string } {
  const params = new URLSearchParams([...query].filter(([key]) => key !== 'marker'));
  const rest = params.toString();
  const body: { images: GlanceImageBody[]; first: string; schema: string; next?: string } = {
    images: rows.map(glanceImageBody),
    first: rest ? `/v2/images?${rest}` : '/v2/images',
    schema: '/v2/schemas/images',
  };
  const last = rows.at(-1);
  if (last && rows.length === limit) {
    params.append('marker', last.id);
    body.next = `/v2/images?${params.toString()}`;
  }
  return body;
}
