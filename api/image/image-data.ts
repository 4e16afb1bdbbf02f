import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { Sql } from 'postgres';
import { ImageDataNotFound, type ImageStore, type StagedImageData } from '../../storage/image-store';
import { contextOf } from '../context';
import { getImage } from '../queries/images';
import {
  badRequest,
  conflict,
  gone,
  notFound,
  policyForbidden,
  tooLarge,
  unavailable,
  unsupportedMediaType,
} from './errors';
import { mediaType } from './patch';
import { canChange } from './policy';
import { abortUpload, activateUpload, beginUpload, StoredBytesVanished } from './record-store';

export interface ImageDataDeps {
  sql: Sql;
  images: ImageStore;
  /** Glance's image_size_cap: larger uploads are refused with 413 and leave nothing behind. */
  maxUploadBytes: number;
}

/** Thrown by `limited` once the upload passes the size cap. */
export class UploadTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`The provided image is too large.`);
    this.name = 'UploadTooLarge';
  }
}

/** The source's chunks, failing as soon as more than `maxBytes` have arrived (nothing past the cap is kept). */
export async function* limited(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new UploadTooLarge(maxBytes);
    yield chunk;
  }
}

function tooLargeError(): Error {
  return tooLarge('The incoming image is too large: The provided image is too large.');
}

/** The size the client announced (x-openstack-image-size, else Content-Length); 400 when unreadable. */
function announcedSize(req: Request): number | undefined {
  const header = req.header('x-openstack-image-size') ?? req.header('content-length');
  if (header === undefined) return undefined;
  if (!/^\d+$/.test(header.trim())) throw badRequest('Invalid or missing image size in request headers.');
  return Number(header);
}

/**
 * PUT /v2/images/{id}/file: the raw bytes stream straight into the image store (never buffered), which
 * computes the digests; the image goes queued → saving → active with them. A failed or oversized upload puts
 * the image back to queued, as Glance does so the upload can be retried, and keeps no bytes.
 */
export async function uploadImageData(deps: ImageDataDeps, req: Request, res: Response): Promise<void> {
  const type = req.header('content-type') === undefined ? 'None' : mediaType(req.header('content-type'));
  if (type !== 'application/octet-stream') throw unsupportedMediaType(`Invalid content type ${type}`);
  const id = String(req.params['id']);
  const ctx = contextOf(res);
  const image = await getImage(deps.sql, id, ctx);
  if (!image) throw notFound(`No image found with ID ${id}`);
  if (!canChange(image, ctx)) throw policyForbidden('upload_image');
  if (image.status !== 'queued') {
    throw conflict(`Image status transition from ${image.status} to saving is not allowed`);
  }
  const missing = (['disk_format', 'container_format'] as const).filter((k) => !image[k]);
  if (missing.length > 0) {
    throw badRequest(
      `${missing.length > 1 ? 'Properties' : 'Property'} ${missing.join(', ')} must be set prior to saving data.`,
    );
  }
  const size = announcedSize(req);
  if (size !== undefined && size > deps.maxUploadBytes) throw tooLargeError();
  if (!(await beginUpload(deps.sql, id))) {
    const now = await getImage(deps.sql, id, ctx);
    if (!now) throw notFound(`No image found with ID ${id}`);
    throw conflict(`Image status transition from ${now.status} to saving is not allowed`);
  }

  let stored: StagedImageData;
  try {
    // destroyOnReturn: false keeps the connection when the cap stops the read, so the 413 can still be sent.
    const body = req.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>;
    // Staged for the image, so a delete of an image whose upload died with its API process drops the copy.
    stored = await deps.images.stage(limited(body, deps.maxUploadBytes), image.id);
  } catch (err) {
    // Discard what the client still sends: an unread body would stall the next request on a kept-alive socket.
    if (!req.readableEnded) req.resume();
    await abortUpload(deps.sql, id, deps.images);
    if (err instanceof UploadTooLarge) throw tooLargeError();
    throw err;
  }
  let activated;
  try {
    activated = await activateUpload(deps.sql, id, stored, deps.images);
  } catch (err) {
    await abortUpload(deps.sql, id, deps.images, stored.sha256);
    if (err instanceof StoredBytesVanished) {
      throw unavailable('The image data was removed while it was being stored. Retry the upload.');
    }
    throw err;
  } finally {
    // Best effort: the upload's outcome stands either way, and the store sweeps what is left within a week.
    await deps.images.unstage(stored.staged).catch(() => undefined);
  }
  if (!activated) {
    throw gone(
      `Image ${id} could not be found after upload. The image may have been deleted during the upload, ` +
        'cleaning up the chunks uploaded.',
    );
  }
  res.status(204).end();
}

/**
 * GET /v2/images/{id}/file: the stored bytes with Content-MD5 (Glance's hex checksum) and Content-Length;
 * 204 when the image has no data (not uploaded yet, or a built-in base image whose bytes the hosts
 * synthesize).
 */
export async function downloadImageData(deps: ImageDataDeps, req: Request, res: Response): Promise<void> {
  const id = String(req.params['id']);
  const image = await getImage(deps.sql, id, contextOf(res));
  if (!image) throw notFound(`No image found with ID ${id}`);
  if (!image.store_sha256 || image.status !== 'active') {
    res.status(204).end();
    return;
  }
  let data;
  try {
    data = await deps.images.read(image.store_sha256);
  } catch (err) {
    if (!(err instanceof ImageDataNotFound)) throw err;
    res.status(204).end();
    return;
  }
  res.status(200).set('Content-Type', 'application/octet-stream');
  if (image.size_bytes !== null) res.set('Content-Length', String(image.size_bytes));
  if (image.checksum) res.set('Content-MD5', image.checksum);
  await pipeline(data, res);
}
