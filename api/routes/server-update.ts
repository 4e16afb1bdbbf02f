import { Router } from 'express';
import type { Sql } from 'postgres';
import type { UpdateServerInput } from '../../workflows/inputs';
import { updateServerWorkflow } from '../../workflows/update-server';
import { contextOf } from '../context';
import { baseUrl } from '../links';
import { versionOf } from '../microversion';
import type { Operations } from '../operations';
import { getInstance } from '../queries/instances';
import { authorizedServer } from '../server-lookup';
import { runServerTask, serverGone } from '../server-task';
import { updateServerBodyAt, type UpdateServerBody } from '../schemas/update-server';
import { parseWith } from '../validation';
import { updateServerView } from '../views/server';

export interface ServerUpdateDeps {
  sql: Sql;
  operations: Operations;
}

/** The record changes a body asks for. */
function changesOf(server: UpdateServerBody['server']): UpdateServerInput['changes'] {
  return {
    ...(server.name !== undefined ? { name: server.name } : {}),
    ...(server.description !== undefined ? { description: server.description } : {}),
    ...(server.accessIPv4 !== undefined ? { accessIPv4: server.accessIPv4 } : {}),
    ...(server.accessIPv6 !== undefined ? { accessIPv6: server.accessIPv6 } : {}),
    ...(server['OS-DCF:diskConfig'] !== undefined ? { diskConfig: server['OS-DCF:diskConfig'] } : {}),
    ...(server.hostname !== undefined ? { hostname: server.hostname } : {}),
  };
}

/**
 * PUT /servers/{id}: Nova's update server (`openstack server set --name/--description`). The conductor writes
 * the change in a short workflow of its own, in any state, and the reply is the server as the write left it.
 */
export function createServerUpdateRouter(deps: ServerUpdateDeps): Router {
  const router = Router();

  router.put('/servers/:id', async (req, res) => {
    const version = versionOf(res);
    const { server } = parseWith(updateServerBodyAt(version), req.body);
    const id = String(req.params['id']);
    const ctx = contextOf(res);
    const instance = await authorizedServer(deps.sql, id, ctx, 'os_compute_api:servers:update');
    await runServerTask(deps.operations, {
      task: 'update',
      workflow: updateServerWorkflow,
      input: { instanceUuid: instance.uuid, changes: changesOf(server), settings: deps.operations.settings },
      instance,
      ctx,
      summary: `update server ${instance.name}${server.name ? ` to name ${server.name}` : ''}, requested by ${ctx.userId}`,
    });
    const row = await getInstance(deps.sql, instance.uuid, ctx);
    if (!row) throw serverGone();
    res.json({ server: updateServerView(row, { baseUrl: baseUrl(req), version, isAdmin: ctx.isAdmin }) });
  });

  return router;
}
