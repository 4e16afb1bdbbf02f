import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { contextOf } from '../context';
import { BadRequest } from '../errors';
import { baseUrl, collectionLinks, rawQuery } from '../links';
import { atLeast, versionOf, type ApiVersion } from '../microversion';
import { authorize } from '../policy/enforce';
import { listMigrations, type MigrationFilters } from '../queries/migrations';
import { migrationView } from '../views/migration';
import {
  dateTime,
  lastValues,
  nonNegativeInteger,
  pageSize,
  parseQuery,
  rejectUnknownParams,
  strictBool,
} from './list-query';

export interface MigrationsDeps {
  sql: Sql;
  /** Nova's `[api] max_limit`. */
  maxLimit?: number | undefined;
}

const DEFAULT_MAX_LIMIT = 1000;

// nova/api/openstack/compute/schemas/migrations.py: common_query_param is any string.
const filterQuery = z.object({
  hidden: z.string().optional(),
  host: z.string().optional(),
  instance_uuid: z.string().optional(),
  source_compute: z.string().optional(),
  status: z.string().optional(),
  migration_type: z.string().optional(),
});
// index_query_v259 onwards forbid any other parameter.
const listQuery259 = filterQuery.extend({
  limit: nonNegativeInteger.optional(),
  marker: z.string().optional(),
  'changes-since': dateTime.optional(),
});
const listQuery266 = listQuery259.extend({ 'changes-before': dateTime.optional() });
const listQuery280 = listQuery266.extend({ user_id: z.string().optional(), project_id: z.string().optional() });
type ListQuery = z.infer<typeof listQuery280>;

interface ListParams {
  filters: MigrationFilters;
  /** From 2.59: limit (max_limit when not given), marker and migrations_links. */
  paged: boolean;
  limit?: number | undefined;
  marker?: string | undefined;
}

function queryFilters(values: Partial<Record<keyof ListQuery | 'node' | 'uuid', unknown>>): MigrationFilters {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const hidden = text(values.hidden);
  return {
    host: text(values.host),
    sourceCompute: text(values.source_compute),
    node: text(values.node),
    status: text(values.status),
    instanceUuid: text(values.instance_uuid),
    uuid: text(values.uuid),
    migrationType: text(values.migration_type),
    userId: text(values.user_id),
    projectId: text(values.project_id),
    // Nova hands the text to the database; we read it as oslo's boolean and treat anything else as absent.
    hidden: hidden === undefined ? undefined : strictBool(hidden),
  };
}

function schemaFor(version: ApiVersion) {
  if (atLeast(version, '2.80')) return listQuery280;
  return atLeast(version, '2.66') ? listQuery266 : listQuery259;
}

/**
 * Before 2.59 Nova allows any parameter and hands them all to its database filters (so `user_id`, `uuid` or
 * `node` filter too), except changes-since and changes-before, which it drops. From 2.59 the schema is closed.
 */
function parseListQuery(query: URLSearchParams, version: ApiVersion): ListParams {
  const values = lastValues(query);
  if (!atLeast(version, '2.59')) return { filters: queryFilters(values), paged: false };
  const schema = schemaFor(version);
  rejectUnknownParams(values, new Set(Object.keys(schema.shape)));
  const params: Partial<ListQuery> = parseQuery(schema, values);
  const since = params['changes-since'];
  const before = params['changes-before'];
  if (since && before && before < since) {
    throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
  }
  return {
    filters: { ...queryFilters(params), changesSince: since, changesBefore: before },
    paged: true,
    limit: params.limit,
    marker: params.marker,
  };
}

/** GET /os-migrations: every cold move, resize and (later) live migration and evacuation, newest first. */
export function createMigrationsRouter(deps: MigrationsDeps): Router {
  const router = Router();
  const maxLimit = deps.maxLimit ?? DEFAULT_MAX_LIMIT;

  router.get('/os-migrations', async (req: Request, res: Response) => {
    const version = versionOf(res);
    const query = rawQuery(req);
    // Nova validates the query before the handler checks policy.
    const params = parseListQuery(query, version);
    authorize(contextOf(res), 'os_compute_api:os-migrations:index');
    const limit = params.paged ? pageSize(params.limit, maxLimit) : undefined;
    const rows = await listMigrations(deps.sql, params.filters, { limit, marker: params.marker });
    const root = baseUrl(req);
    const migrations = rows.map((row) => migrationView(row, { version, baseUrl: root }));
    if (limit === undefined) {
      res.json({ migrations });
      return;
    }
    const links = collectionLinks(
      { count: rows.length, lastId: rows.at(-1)?.uuid, limit },
      { root, collectionPath: 'os-migrations', query },
    );
    res.json(links.length ? { migrations, migrations_links: links } : { migrations });
  });

  return router;
}
