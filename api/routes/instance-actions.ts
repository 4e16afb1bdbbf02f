import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { contextOf } from '../context';
import { BadRequest, ItemNotFound, instanceNotFound } from '../errors';
import { baseUrl, collectionLinks, rawQuery } from '../links';
import { atLeast, versionOf, type ApiVersion } from '../microversion';
import { authorize } from '../policy/enforce';
import {
  getActionInstance,
  getInstanceAction,
  listActionEvents,
  listInstanceActions,
  type ActionInstance,
} from '../queries/instance-actions';
import { instanceActionDetailView, instanceActionView, eventVisibility } from '../views/instance-action';
import { dateTime, lastValues, nonNegativeInteger, pageSize, parseQuery, rejectUnknownParams } from './list-query';

export interface InstanceActionsDeps {
  sql: Sql;
  /** The Temporal Web UI's base URL: each action then links to its workflow run's history. */
  temporalUiUrl?: string | undefined;
  /** The Temporal namespace the workflows run in. */
  namespace: string;
  /** Nova's `[api] max_limit`. */
  maxLimit?: number | undefined;
}

const DEFAULT_MAX_LIMIT = 1000;

// nova/api/openstack/compute/schemas/instance_actions.py index_query_v258 / _v266: no other parameters.
const listQuery258 = z.object({
  limit: nonNegativeInteger.optional(),
  marker: z.string().optional(),
  'changes-since': dateTime.optional(),
});
const listQuery266 = listQuery258.extend({ 'changes-before': dateTime.optional() });
type ListQuery = z.infer<typeof listQuery266>;

/** The 2.58+ query parameters; before 2.58 Nova ignores every parameter and lists all actions. */
function parseListQuery(query: URLSearchParams, version: ApiVersion): ListQuery | null {
  if (!atLeast(version, '2.58')) return null;
  const schema = atLeast(version, '2.66') ? listQuery266 : listQuery258;
  const values = lastValues(query);
  rejectUnknownParams(values, new Set(Object.keys(schema.shape)));
  const params: ListQuery = parseQuery(schema, values);
  const since = params['changes-since'];
  const before = params['changes-before'];
  if (since && before && before < since) {
    throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
  }
  return params;
}

/** GET /servers/{id}/os-instance-actions[/{request_id}]: what was done to a server, by whom, and how it went. */
export function createInstanceActionsRouter(deps: InstanceActionsDeps): Router {
  const router = Router();
  const maxLimit = deps.maxLimit ?? DEFAULT_MAX_LIMIT;
  const temporal = { uiUrl: deps.temporalUiUrl, namespace: deps.namespace };

  // Nova reads deleted servers' actions from 2.21; another project's server is not found, as for GET /servers.
  const loadInstance = async (res: Response, serverId: string, rule: 'list' | 'show'): Promise<ActionInstance> => {
    const withDeleted = atLeast(versionOf(res), '2.21');
    const ctx = contextOf(res);
    const instance = await getActionInstance(deps.sql, serverId, { ctx, withDeleted });
    if (!instance) throw instanceNotFound(serverId);
    authorize(ctx, `os_compute_api:os-instance-actions:${rule}`, { projectId: instance.project_id });
    return instance;
  };

  router.get('/servers/:server_id/os-instance-actions', async (req: Request, res: Response) => {
    const serverId = String(req.params['server_id']);
    const version = versionOf(res);
    const query = rawQuery(req);
    const params = parseListQuery(query, version);
    const instance = await loadInstance(res, serverId, 'list');
    const limit = params ? pageSize(params.limit, maxLimit) : undefined;
    const rows = await listInstanceActions(deps.sql, instance.uuid, {
      limit,
      marker: params?.marker,
      changesSince: params?.['changes-since'],
      changesBefore: params?.['changes-before'],
    });
    const instanceActions = rows.map((row) => instanceActionView(row, { version, temporal }));
    if (limit === undefined) {
      res.json({ instanceActions });
      return;
    }
    const links = collectionLinks(
      { count: rows.length, lastId: rows.at(-1)?.request_id, limit },
      { root: baseUrl(req), collectionPath: `servers/${serverId}/os-instance-actions`, query },
    );
    res.json(links.length ? { instanceActions, links } : { instanceActions });
  });

  router.get('/servers/:server_id/os-instance-actions/:request_id', async (req: Request, res: Response) => {
    const serverId = String(req.params['server_id']);
    const requestId = String(req.params['request_id']);
    const version = versionOf(res);
    const ctx = contextOf(res);
    const instance = await loadInstance(res, serverId, 'show');
    const row = await getInstanceAction(deps.sql, instance.uuid, requestId);
    // Nova's own text (instance_actions.py show), not InstanceActionNotFound's longer message.
    if (!row) throw new ItemNotFound(`Action ${requestId} not found`);
    const events = eventVisibility(version, ctx.isAdmin).events ? await listActionEvents(deps.sql, row.id) : null;
    const view = { version, temporal, isAdmin: ctx.isAdmin, instanceProjectId: instance.project_id };
    res.json({ instanceAction: instanceActionDetailView(row, events, view) });
  });

  return router;
}
