import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { contextOf } from '../context';
import { BadRequest, ItemNotFound } from '../errors';
import { baseUrl, collectionLinks, rawQuery } from '../links';
import { atLeast, versionOf, type ApiVersion } from '../microversion';
import { authorize } from '../policy/enforce';
import { listHypervisors, listServersOnHosts } from '../queries/hypervisors';
import { isUuid } from '../queries/uuid';
import {
  hypervisorDetailView,
  hypervisorId,
  hypervisorSummaryView,
  hypervisorUuid,
  type HypervisorRow,
} from '../views/hypervisor';
import { booleanQuery, hostnamePattern } from '../schemas/parameter-types';
import { lastValues, nonNegativeInteger, pageSize, parseQuery, rejectUnknownParams } from './list-query';

export interface HypervisorsDeps {
  sql: Sql;
  /** Nova's service_down_time: a host that has not reported for longer is `down`. */
  serviceDownTimeMs?: number | undefined;
  /** Nova's `[api] max_limit`. */
  maxLimit?: number | undefined;
}

const DEFAULT_SERVICE_DOWN_TIME_MS = 60_000;
const DEFAULT_MAX_LIMIT = 1000;

const pagingQuery = z.object({ limit: nonNegativeInteger.optional(), marker: z.string().optional() });
// nova/api/openstack/compute/schemas/hypervisors.py index_query_v253 and show_query_v253: nothing else allowed.
const listQuery253 = pagingQuery.extend({
  hypervisor_hostname_pattern: hostnamePattern.optional(),
  with_servers: booleanQuery.optional(),
});
const showQuery253 = z.object({ with_servers: booleanQuery.optional() });

interface ListParams {
  limit?: number | undefined;
  marker?: string | undefined;
  pattern?: string | undefined;
  withServers: boolean;
  /** Paging (and hypervisors_links) from 2.33. */
  paged: boolean;
}

function parseListQuery(query: URLSearchParams, version: ApiVersion): ListParams {
  const values = lastValues(query);
  if (atLeast(version, '2.53')) {
    rejectUnknownParams(values, new Set(Object.keys(listQuery253.shape)));
    const p = parseQuery(listQuery253, values);
    const { hypervisor_hostname_pattern: pattern } = p;
    // Nova checks for `limit` in the request itself, since the limit it passes on defaults to max_limit.
    if (pattern !== undefined && (values['limit'] !== undefined || p.marker)) {
      throw new BadRequest(
        'Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.',
      );
    }
    return { ...p, pattern, withServers: p.with_servers ?? false, paged: pattern === undefined };
  }
  if (atLeast(version, '2.33')) return { ...parseQuery(pagingQuery, values), withServers: false, paged: true };
  return { withServers: false, paged: false };
}

/** The page after the marker (a hypervisor id as shown at this microversion). */
function pageAfter(rows: HypervisorRow[], version: ApiVersion, limit: number, marker?: string): HypervisorRow[] {
  let start = 0;
  if (marker !== undefined) {
    const at = rows.findIndex((row) => String(hypervisorId(row, version)) === marker);
    if (at < 0) throw new BadRequest(`marker [${marker}] not found`);
    start = at + 1;
  }
  return rows.slice(start, start + limit);
}

/** Nova's `compute_node_search_by_hypervisor`: a LIKE '%pattern%' on the hostname; no match is a 404. */
function matching(rows: HypervisorRow[], pattern: string): HypervisorRow[] {
  const found = rows.filter((row) => row.name.toLowerCase().includes(pattern.toLowerCase()));
  if (found.length === 0) throw new ItemNotFound(`No hypervisor matching '${pattern}' could be found.`);
  return found;
}

/** The host an id names: a uuid from 2.53 (400 otherwise), an integer before (404 otherwise). */
function findById(rows: HypervisorRow[], id: string, version: ApiVersion): HypervisorRow {
  const notFound = () => new ItemNotFound(`Hypervisor with ID '${id}' could not be found.`);
  let row: HypervisorRow | undefined;
  if (atLeast(version, '2.53')) {
    if (!isUuid(id)) throw new BadRequest(`Invalid uuid ${id}`);
    row = rows.find((r) => hypervisorUuid(r.name) === id.toLowerCase());
  } else {
    // Nova's validate_integer: Python's int(), so surrounding blanks and a sign are accepted.
    if (!/^\s*[+-]?\d+\s*$/.test(id)) throw notFound();
    row = rows.find((r) => r.ordinal === Number(id));
  }
  if (!row) throw notFound();
  return row;
}

/** GET /os-hypervisors, /os-hypervisors/detail and /os-hypervisors/{id}: admin-only views of the compute hosts. */
export function createHypervisorsRouter(deps: HypervisorsDeps): Router {
  const router = Router();
  const serviceDownTimeMs = deps.serviceDownTimeMs ?? DEFAULT_SERVICE_DOWN_TIME_MS;
  const maxLimit = deps.maxLimit ?? DEFAULT_MAX_LIMIT;

  const list = (detail: boolean) => async (req: Request, res: Response) => {
    const version = versionOf(res);
    const query = rawQuery(req);
    const params = parseListQuery(query, version);
    authorize(contextOf(res), `os_compute_api:os-hypervisors:${detail ? 'list-detail' : 'list'}`);
    const listing = await listHypervisors(deps.sql, { serviceDownTimeMs });
    const limit = pageSize(params.limit, maxLimit);
    const rows =
      params.pattern !== undefined
        ? matching(listing.rows, params.pattern)
        : params.paged
          ? pageAfter(listing.rows, version, limit, params.marker)
          : listing.rows;
    const names = rows.map((row) => row.name);
    const servers = params.withServers ? await listServersOnHosts(deps.sql, names) : undefined;
    const hypervisors = rows.map((row) => {
      const ctx = { version, now: listing.now, servers: servers?.get(row.name) };
      return detail ? hypervisorDetailView(row, ctx) : hypervisorSummaryView(row, ctx);
    });
    const lastId = hypervisors.at(-1)?.['id'];
    const links = params.paged
      ? collectionLinks(
          { count: rows.length, lastId: lastId === undefined ? undefined : String(lastId), limit },
          { root: baseUrl(req), collectionPath: detail ? 'os-hypervisors/detail' : 'os-hypervisors', query },
        )
      : [];
    res.json(links.length ? { hypervisors, hypervisors_links: links } : { hypervisors });
  };

  router.get('/os-hypervisors', list(false));
  router.get('/os-hypervisors/detail', list(true));

  router.get('/os-hypervisors/:id', async (req: Request, res: Response) => {
    const id = String(req.params['id']);
    const version = versionOf(res);
    const values = lastValues(rawQuery(req));
    let withServers = false;
    if (atLeast(version, '2.53')) {
      rejectUnknownParams(values, new Set(Object.keys(showQuery253.shape)));
      withServers = parseQuery(showQuery253, values).with_servers ?? false;
    }
    authorize(contextOf(res), 'os_compute_api:os-hypervisors:show');
    const listing = await listHypervisors(deps.sql, { serviceDownTimeMs });
    const row = findById(listing.rows, id, version);
    const servers = withServers ? (await listServersOnHosts(deps.sql, [row.name])).get(row.name) : undefined;
    res.json({ hypervisor: hypervisorDetailView(row, { version, now: listing.now, servers }) });
  });

  return router;
}
