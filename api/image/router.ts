import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { z } from 'zod';
import type { AuthConfig } from '../../config';
import type { ImageRow } from '../../domain/rows';
import type { ImageStore } from '../../storage/image-store';
import {
  contextOf,
  createKeystoneContextMiddleware,
  createNoAuthContextMiddleware,
  type RequestContext,
} from '../context';
import { baseUrl, rawQuery } from '../links';
import { getImage, listGlanceImages, MarkerNotFound } from '../queries/images';
import { isUuid } from '../queries/uuid';
import { parseCreateImage } from './create-request';
import {
  badRequest,
  conflict,
  createGlanceErrorHandler,
  forbidden,
  methodNotAllowed,
  notFound,
  policyForbidden,
} from './errors';
import { CORE_FIELDS, hasNul, parseAgainstSchema, undecodable } from './fields';
import { glanceImageBody, glanceImageList, imageHref } from './image-body';
import { downloadImageData, uploadImageData } from './image-data';
import { parseGlanceListQuery } from './list-query';
import { applyPatch, parsePatch, patchDraft, type PatchableImage } from './patch';
import { canChange, canSee } from './policy';
import { deleteImage, insertImage, updateImage } from './record-store';
import { imageSchema, imagesSchema } from './schemas';

export interface ImageServiceDeps {
  sql: Sql;
  log: Logger;
  images: ImageStore;
  auth: AuthConfig;
  /** Glance's image_size_cap. */
  maxUploadBytes: number;
}

/** The image API versions a default Glance advertises; v2.17 is current. */
const VERSIONS: readonly [string, 'CURRENT' | 'SUPPORTED'][] = [
  ['2.17', 'CURRENT'],
  ['2.15', 'SUPPORTED'],
  ['2.9', 'SUPPORTED'],
  ...['2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'].map((v) => [v, 'SUPPORTED'] as [string, 'SUPPORTED']),
];

/** Glance's version document: every version links to `<service root>/v2/`. */
export function versionsBody(serviceRoot: string): { versions: unknown[] } {
  const href = `${serviceRoot.replace(/\/+$/, '')}/v2/`;
  return {
    versions: VERSIONS.map(([id, status]) => ({ id: `v${id}`, status, links: [{ rel: 'self', href }] })),
  };
}

/** A JSON body as Glance's deserializer reads it: absent, or an object or array. */
const jsonBody: RequestHandler[] = [
  express.json({ limit: '1mb', strict: false, type: () => true }),
  (req, _res, next) => {
    const body: unknown = req.body;
    if (body !== undefined && (body === null || typeof body !== 'object')) {
      throw badRequest('Unexpected body type. Expected list/dict.');
    }
    if (hasNul(body)) throw undecodable();
    next();
  },
];

/** PATCH answers 415 for another media type before it reads the body. */
const patchMediaType: RequestHandler = (req, _res, next) => {
  patchDraft(req.header('content-type'));
  next();
};

function patchableOf(row: ImageRow): PatchableImage {
  return {
    name: row.name,
    visibility: row.visibility as PatchableImage['visibility'],
    protected: row.protected,
    os_hidden: row.os_hidden,
    min_disk: row.min_disk,
    min_ram: row.min_ram,
    tags: row.tags,
    disk_format: row.disk_format,
    container_format: row.container_format,
    owner: row.owner,
    properties: row.properties,
    status: row.status,
  };
}

function imageIdOf(req: Request): string {
  return String(req.params['id']);
}

/** The id of an image a write may look for; anything but a uuid names no image (404 with `message`). */
function writableId(req: Request, message: (id: string) => string): string {
  const id = imageIdOf(req);
  if (!isUuid(id)) throw notFound(message(id));
  return id;
}

/** The image, or 404 with `message` when it does not exist or the caller may not see it. */
async function visibleImage(sql: Sql, id: string, ctx: RequestContext, message: string): Promise<ImageRow> {
  const row = await getImage(sql, id, ctx);
  if (!row) throw notFound(message);
  return row;
}

const tagSchema = z.object({ tags: CORE_FIELDS.tags });

/**
 * A Glance v2-compatible image service at /image (the catalog's `image` endpoint): version discovery, image
 * records (create, list, show, patch, delete, tags), and image data (upload, download) streamed to and from
 * the image store the compute hosts boot from. Errors are webob's, as Glance renders them.
 */
export function createImageRouter(deps: ImageServiceDeps): Router {
  const { sql } = deps;
  const router = Router();

  router.get('/', (req, res) => {
    res.status(300).json(versionsBody(`${baseUrl(req)}${req.baseUrl}`));
  });
  router.get('/versions', (req, res) => {
    res.json(versionsBody(`${baseUrl(req)}${req.baseUrl}`));
  });
  router.get('/v2', (req, res) => {
    res.status(300).json(versionsBody(`${baseUrl(req)}${req.baseUrl}`));
  });

  const v2 = Router();
  v2.use(deps.auth.strategy === 'keystone' ? createKeystoneContextMiddleware(sql) : createNoAuthContextMiddleware());

  v2.get('/schemas/image', (_req, res) => {
    res.json(imageSchema());
  });
  v2.get('/schemas/images', (_req, res) => {
    res.json(imagesSchema());
  });

  v2.get('/images', async (req, res) => {
    const query = rawQuery(req);
    const parsed = parseGlanceListQuery(query);
    let rows: ImageRow[];
    try {
      rows = await listGlanceImages(sql, contextOf(res), parsed);
    } catch (err) {
      if (err instanceof MarkerNotFound) throw badRequest(err.message);
      throw err;
    }
    res.json(glanceImageList(rows, query, parsed.limit));
  });

  v2.post('/images', ...jsonBody, async (req, res) => {
    const image = parseCreateImage(req.body, contextOf(res));
    const id = image.id ?? randomUUID();
    const row = await insertImage(sql, { ...image, id });
    if (!row) throw conflict(`Image ID ${id} already exists!`);
    res
      .status(201)
      .location(`${baseUrl(req)}${req.baseUrl.replace(/\/v2$/, '')}${imageHref(id)}`)
      .json(glanceImageBody(row));
  });

  v2.get('/images/:id', async (req, res) => {
    const id = imageIdOf(req);
    res.json(glanceImageBody(await visibleImage(sql, id, contextOf(res), `No image found with ID ${id}`)));
  });

  v2.patch('/images/:id', patchMediaType, ...jsonBody, async (req, res) => {
    const id = imageIdOf(req);
    const ctx = contextOf(res);
    const changes = parsePatch(req.header('content-type'), req.body);
    if (!isUuid(id)) throw notFound(`No image found with ID ${id}`);
    const updated = await updateImage(sql, id, (row) => {
      if (!canSee(row, ctx)) throw notFound(`No image found with ID ${id}`);
      if (changes.length === 0) return null;
      return applyPatch(patchableOf(row), changes, ctx);
    });
    if (!updated) throw notFound(`No image found with ID ${id}`);
    res.json(glanceImageBody(updated));
  });

  v2.delete('/images/:id', async (req, res) => {
    const id = writableId(req, (id) => `Failed to find image ${id} to delete`);
    const ctx = contextOf(res);
    const deleted = await deleteImage(sql, id, deps.images, (row) => {
      if (!canSee(row, ctx)) throw notFound(`Failed to find image ${id} to delete`);
      if (!canChange(row, ctx)) throw policyForbidden('delete_image');
      if (row.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
    });
    if (!deleted) throw notFound(`Failed to find image ${id} to delete`);
    res.status(204).end();
  });

  v2.put('/images/:id/file', (req, res) => uploadImageData(deps, req, res));
  v2.get('/images/:id/file', (req, res) => downloadImageData(deps, req, res));

  v2.put('/images/:id/tags/:tag', async (req, res) => {
    const tag = String(req.params['tag']);
    parseAgainstSchema(tagSchema, { tags: [tag] });
    if (hasNul(tag)) throw undecodable();
    const id = writableId(req, (id) => `Image ${id} not found.`);
    const ctx = contextOf(res);
    const updated = await updateImage(sql, id, (row) => {
      if (!canSee(row, ctx)) throw notFound(`Image ${id} not found.`);
      if (!canChange(row, ctx)) throw policyForbidden('modify_image');
      if (row.tags.includes(tag)) return null;
      return { ...patchableOf(row), tags: [...row.tags, tag] };
    });
    if (!updated) throw notFound(`Image ${id} not found.`);
    res.status(204).end();
  });
  v2.delete('/images/:id/tags/:tag', async (req, res) => {
    const id = writableId(req, (id) => `Image ${id} not found.`);
    const tag = String(req.params['tag']);
    const ctx = contextOf(res);
    const updated = await updateImage(sql, id, (row) => {
      if (!canSee(row, ctx)) throw notFound(`Image ${id} not found.`);
      if (!canChange(row, ctx)) throw policyForbidden('modify_image');
      if (!row.tags.includes(tag)) throw notFound();
      return { ...patchableOf(row), tags: row.tags.filter((t) => t !== tag) };
    });
    if (!updated) throw notFound(`Image ${id} not found.`);
    res.status(204).end();
  });

  const only =
    (...methods: string[]) =>
    (_req: Request, _res: Response, next: NextFunction) =>
      next(methodNotAllowed(methods));
  v2.all('/images', only('GET', 'POST'));
  v2.all('/images/:id', only('GET', 'PATCH', 'DELETE'));
  v2.all('/images/:id/file', only('GET', 'PUT'));
  v2.all('/images/:id/tags/:tag', only('PUT', 'DELETE'));
  v2.all(['/schemas/image', '/schemas/images'], only('GET'));

  router.use('/v2', v2);
  router.use((_req, _res, next) => next(notFound()));
  router.use(createGlanceErrorHandler(deps.log));
  return router;
}
