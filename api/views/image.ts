import type { ImageRow } from '../../domain/rows';
import { selfLinks, type Link } from '../links';
import { isoTime } from './time';

export interface ImageViewContext {
  baseUrl: string;
}

export type ImageBody = Record<string, unknown>;

// Glance's lowercase statuses as Nova's image proxy reports them (nova/api/openstack/compute/views/images.py).
const STATUS: Readonly<Record<string, string>> = {
  active: 'ACTIVE',
  queued: 'SAVING',
  saving: 'SAVING',
  deleted: 'DELETED',
  pending_delete: 'DELETED',
  killed: 'ERROR',
};
const PROGRESS: Readonly<Record<string, number>> = { queued: 25, saving: 50, active: 100 };
const TRUE_STRINGS = ['1', 't', 'true', 'on', 'y', 'yes'];

function imageLinks(root: string, id: string): Link[] {
  // The alternate link names the image service (Nova's `<glance endpoint>/images/<id>`); ours is at /image.
  const alternate = { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${root}/image/images/${id}` };
  return [...selfLinks(root, 'images', id), alternate];
}

/** An entry of GET /images: id, name, links. */
export function imageSummaryView(row: ImageRow, ctx: ImageViewContext): ImageBody {
  return { id: row.id, name: row.name, links: imageLinks(ctx.baseUrl, row.id) };
}

/** GET /images/{id} and the entries of GET /images/detail. */
export function imageDetailView(row: ImageRow, ctx: ImageViewContext): ImageBody {
  const image: ImageBody = {
    id: row.id,
    name: row.name,
    minRam: row.min_ram,
    minDisk: row.min_disk,
    metadata: row.properties,
    created: isoTime(row.created_at),
    updated: isoTime(row.updated_at),
    status: STATUS[row.status] ?? 'UNKNOWN',
    progress: PROGRESS[row.status] ?? 0,
    'OS-EXT-IMG-SIZE:size': row.size_bytes === null ? null : Number(row.size_bytes),
    links: imageLinks(ctx.baseUrl, row.id),
  };
  const instanceUuid = row.properties['instance_uuid'];
  if (typeof instanceUuid === 'string') {
    image['server'] = { id: instanceUuid, links: selfLinks(ctx.baseUrl, 'servers', instanceUuid) };
  }
  const autoDiskConfig = row.properties['auto_disk_config'];
  if (autoDiskConfig !== undefined && autoDiskConfig !== null) {
    const auto = TRUE_STRINGS.includes(String(autoDiskConfig).trim().toLowerCase());
    image['OS-DCF:diskConfig'] = auto ? 'AUTO' : 'MANUAL';
  }
  return image;
}
