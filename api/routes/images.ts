import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { contextOf } from '../context';
import { ItemNotFound } from '../errors';
import { baseUrl, collectionLinks, rawQuery } from '../links';
import { atLeast, versionOf } from '../microversion';
import { getImage, listImages } from '../queries/images';
import { imageDetailView, imageSummaryView } from '../views/image';
import { lastValues, nonNegativeInteger, pageSize, parseQuery } from './list-query';

export interface ImagesDeps {
  sql: Sql;
  maxLimit?: number;
}

const DEFAULT_MAX_LIMIT = 1000;
/** Nova's image proxy API ends at 2.35 (MAX_PROXY_API_SUPPORT_VERSION); later versions get 404. */
const MAX_PROXY_VERSION = '2.36';

export const imageListSchema = z.object({
  limit: nonNegativeInteger.optional(),
  marker: z.string().optional(),
  name: z.string().optional(),
  status: z.string().optional(),
});

function assertProxyVersion(res: Response): void {
  if (atLeast(versionOf(res), MAX_PROXY_VERSION)) throw new ItemNotFound('The resource could not be found.');
}

/** GET /images, /images/detail and /images/{id}: Nova's legacy image proxy over our image table. */
export function createImagesRouter(deps: ImagesDeps): Router {
  const router = Router();
  const maxLimit = deps.maxLimit ?? DEFAULT_MAX_LIMIT;

  const list = (detail: boolean) => async (req: Request, res: Response) => {
    assertProxyVersion(res);
    const query = rawQuery(req);
    const params = parseQuery(imageListSchema, lastValues(query));
    const limit = pageSize(params.limit, maxLimit);
    const rows = await listImages(deps.sql, { ...params, ctx: contextOf(res), limit });
    const view = { baseUrl: baseUrl(req) };
    const images = rows.map((row) => (detail ? imageDetailView(row, view) : imageSummaryView(row, view)));
    const links = collectionLinks(
      { count: rows.length, lastId: rows.at(-1)?.id, limit },
      { root: view.baseUrl, collectionPath: detail ? 'images/detail' : 'images', query },
    );
    res.json(links.length ? { images, images_links: links } : { images });
  };

  router.get('/images', list(false));
  router.get('/images/detail', list(true));

  router.get('/images/:id', async (req, res) => {
    assertProxyVersion(res);
    const row = await getImage(deps.sql, String(req.params['id']), contextOf(res));
    if (!row) throw new ItemNotFound('Image not found.');
    res.json({ image: imageDetailView(row, { baseUrl: baseUrl(req) }) });
  });

  return router;
}
