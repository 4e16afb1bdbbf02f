import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { contextOf } from '../context';
import { instanceNotFound } from '../errors';
import { baseUrl, rawQuery } from '../links';
import { versionOf } from '../microversion';
import { authorize } from '../policy/enforce';
import { getInstance, serverListReads } from '../queries/instances';
import { ReadCoalescer } from '../read-coalescing';
import type { SharedJsonBody } from '../shared-json-body';
import { serverDetailView } from '../views/server';
import { pageSize } from './list-query';
import { parseServerListQuery } from './server-list-query';
import { ServerPageRenderer, type ServerPage } from './server-page';

export interface ServersReadDeps {
  sql: Sql;
  /** Nova's `[api] max_limit`: the largest page, and the page size when no limit is given. */
  maxLimit: number;
}

/** GET /servers, /servers/detail and /servers/{id}: read-only, straight from the database. */
export function createServersReadRouter(deps: ServersReadDeps): Router {
  const router = Router();

  // One per router: a page is shared only by the callers of this API process.
  const pages = new ReadCoalescer<SharedJsonBody>();
  const renderer = new ServerPageRenderer(serverListReads(deps.sql));

  const list = (detail: boolean) => async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const version = versionOf(res);
    const query = rawQuery(req);
    authorize(ctx, `os_compute_api:servers:${detail ? 'detail' : 'index'}`);
    const params = parseServerListQuery(query, { version, ctx, detail });
    const page: ServerPage = {
      detail,
      params,
      limit: pageSize(params.limit, deps.maxLimit),
      caller: { isAdmin: ctx.isAdmin, projectId: ctx.projectId },
      version,
      root: baseUrl(req),
      query: query.toString(),
    };
    const body = await pages.read(JSON.stringify(page), () => renderer.render(page));
    await body.send(req, res);
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
