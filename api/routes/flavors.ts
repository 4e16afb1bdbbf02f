import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { contextOf } from '../context';
import { BadRequest, ItemNotFound } from '../errors';
import { baseUrl, collectionLinks, rawQuery } from '../links';
import { atLeast, versionOf } from '../microversion';
import { getVisibleFlavor, listFlavors } from '../queries/flavors';
import { flavorDetailView, flavorSummaryView } from '../views/flavor';
import { lastValues, nonNegativeInteger, pageSize, parseQuery, rejectUnknownParams, strictBool } from './list-query';

export interface FlavorsDeps {
  sql: Sql;
  maxLimit?: number;
}

const DEFAULT_MAX_LIMIT = 1000;
const SORT_KEYS = [
  'created_at',
  'description',
  'disabled',
  'ephemeral_gb',
  'flavorid',
  'id',
  'is_public',
  'memory_mb',
  'name',
  'root_gb',
  'rxtx_factor',
  'swap',
  'updated_at',
  'vcpu_weight',
  'vcpus',
] as const;

// nova/api/openstack/compute/schemas/flavors.py index_query; sort_key/sort_dir are checked, not applied.
export const flavorListSchema = z.object({
  limit: nonNegativeInteger.optional(),
  marker: z.string().optional(),
  is_public: z.string().optional(),
  minRam: z.string().optional(),
  minDisk: z.string().optional(),
  sort_key: z.enum(SORT_KEYS).optional(),
  sort_dir: z.enum(['asc', 'desc']).optional(),
});
const KNOWN = new Set(Object.keys(flavorListSchema.shape));

/** Python's int() of a filter value, or Nova's `Invalid <name> filter [<value>]`. */
function intFilter(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new BadRequest(`Invalid ${name} filter [${value}]`);
  return Number(value);
}

/** Admins choose with is_public (default public only, `none` for all); others see public, enabled flavors. */
function publicFilter(isAdmin: boolean, value: string | undefined): boolean | null {
  if (!isAdmin || value === undefined) return true;
  if (value.toLowerCase() === 'none') return null;
  const parsed = strictBool(value);
  if (parsed === undefined) throw new BadRequest(`Invalid is_public filter [${value}]`);
  return parsed;
}

/** GET /flavors, /flavors/detail and /flavors/{id}. */
export function createFlavorsRouter(deps: FlavorsDeps): Router {
  const router = Router();
  const maxLimit = deps.maxLimit ?? DEFAULT_MAX_LIMIT;

  const list = (detail: boolean) => async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const version = versionOf(res);
    const query = rawQuery(req);
    const values = lastValues(query);
    if (atLeast(version, '2.75')) rejectUnknownParams(values, KNOWN);
    const params = parseQuery(flavorListSchema, values);
    const limit = pageSize(params.limit, maxLimit);
    const rows = await listFlavors(deps.sql, {
      limit,
      marker: params.marker,
      isPublic: publicFilter(ctx.isAdmin, params.is_public),
      accessProjectId: ctx.isAdmin ? undefined : ctx.projectId,
      includeDisabled: ctx.isAdmin,
      minRamMb: intFilter('minRam', params.minRam),
      minDiskGb: intFilter('minDisk', params.minDisk),
    });
    const view = { baseUrl: baseUrl(req), version };
    const flavors = rows.map((row) => (detail ? flavorDetailView(row, view) : flavorSummaryView(row, view)));
    const links = collectionLinks(
      { count: rows.length, lastId: rows.at(-1)?.id, limit },
      { root: view.baseUrl, collectionPath: detail ? 'flavors/detail' : 'flavors', query },
    );
    res.json(links.length ? { flavors, flavors_links: links } : { flavors });
  };

  router.get('/flavors', list(false));
  router.get('/flavors/detail', list(true));

  router.get('/flavors/:id', async (req, res) => {
    const id = String(req.params['id']);
    // Private flavors are invisible to projects without access.
    const row = await getVisibleFlavor(deps.sql, id, contextOf(res));
    if (!row) throw new ItemNotFound(`Flavor ${id} could not be found.`);
    res.json({ flavor: flavorDetailView(row, { baseUrl: baseUrl(req), version: versionOf(res) }) });
  });

  return router;
}
