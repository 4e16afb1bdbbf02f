import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { contextOf } from '../context';
import { instanceNotFound } from '../errors';
import { baseUrl, collectionLinks, rawQuery } from '../links';
import { versionOf } from '../microversion';
import { authorize } from '../policy/enforce';
import { getInstance, listInstances } from '../queries/instances';
import { serverDetailView, serverSummaryView } from '../views/server';
import { pageSize } from './list-query';
import { parseServerListQuery } from './server-list-query';

export interface ServersReadDeps {
  sql: Sql;
  /** Nova's `[api] max_limit`: the largest page, and the page size when no limit is given. */
  maxLimit: number;
}

/** GET /servers, /servers/detail and /servers/{id}: read-only, straight from the database. */
export function createServersReadRouter(deps: ServersReadDeps): Router {
  const router = Router();

  const list = (detail: boolean) => async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const version = versionOf(res);
    const query = rawQuery(req);
    authorize(ctx, `os_compute_api:servers:${detail ? 'detail' : 'index'}`);
    const params = parseServerListQuery(query, { version, ctx, detail });
    const limit = pageSize(params.limit, deps.maxLimit);
    const rows = await listInstances(deps.sql, { ...params, ctx, limit });
    const root = baseUrl(req);
    const view = { baseUrl: root, version, isAdmin: ctx.isAdmin, inList: true };
    const servers = rows.map((row) => (detail ? serverDetailView(row, view) : serverSummaryView(row, view)));
    const links = collectionLinks(
      { count: rows.length, lastId: rows.at(-1)?.uuid, limit },
      { root, collectionPath: detail ? 'servers/detail' : 'servers', query },
    );
    res.json(links.length ? { servers, servers_links: links } : { servers });
  };

  router.get('/servers', list(false));
  router.get('/servers/detail', list(true));

  router.get('/servers/:id', async (req, res) => {
    const id = String(req.params['id']);
    const ctx = contextOf(res);
    const row = await getInstance(deps.sql, id, ctx);
    if (!row) throw instanceNotFound(id);
    authorize(ctx, 'os_compute_api:servers:show', { projectId: row.project_id });
    const view = { baseUrl: baseUrl(req), version: versionOf(res), isAdmin: ctx.isAdmin };
    res.json({ server: serverDetailView(row, view) });
  });

  return router;
}
