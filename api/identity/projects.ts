import { Router, type Request } from 'express';
import type { Sql } from 'postgres';
import { baseUrl } from '../links';
import { findProject, listProjects, type ProjectRow } from '../queries/identity';
import { callerToken, isAdminToken } from './caller-token';
import { forbidden, notFound } from './errors';

function projectView(row: ProjectRow, root: string) {
  return {
    id: row.id,
    name: row.name,
    domain_id: row.domain_id,
    enabled: row.enabled,
    description: '',
    is_domain: false,
    parent_id: row.domain_id,
    tags: [],
    options: {},
    links: { self: `${root}/identity/v3/projects/${row.id}` },
  };
}

/**
 * GET /v3/projects[/{id}]: what clients need to turn a project name into an id (`openstack quota set ...
 * demo`). Keystone's default policy: admins list and show any project; others show only their token's.
 */
export function createProjectsRouter(sql: Sql): Router {
  const router = Router();

  router.get('/v3/projects', async (req: Request, res) => {
    if (!isAdminToken(await callerToken(sql, req))) throw forbidden();
    const name = typeof req.query['name'] === 'string' ? req.query['name'] : undefined;
    const domainId = typeof req.query['domain_id'] === 'string' ? req.query['domain_id'] : undefined;
    const root = baseUrl(req);
    const rows = await listProjects(sql, { name, domainId });
    res.json({
      projects: rows.map((row) => projectView(row, root)),
      links: { self: `${root}/identity/v3/projects`, previous: null, next: null },
    });
  });

  router.get('/v3/projects/:id', async (req: Request, res) => {
    const caller = await callerToken(sql, req);
    const id = String(req.params['id']);
    if (id !== caller.project_id && !isAdminToken(caller)) throw forbidden();
    const row = await findProject(sql, { id });
    if (!row) throw notFound(`Could not find project: ${id}.`);
    res.json({ project: projectView(row, baseUrl(req)) });
  });

  return router;
}
