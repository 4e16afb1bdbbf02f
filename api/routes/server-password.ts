import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { clearServerPasswordWorkflow } from '../../workflows/server-password';
import { contextOf } from '../context';
import type { Operations } from '../operations';
import { authorizedServer } from '../server-lookup';
import { runServerTask } from '../server-task';

export interface ServerPasswordDeps {
  sql: Sql;
  operations: Operations;
}

/**
 * /servers/{id}/os-server-password: the admin password a guest posted to the metadata service, or changePassword
 * set, encrypted with the server's ssh-rsa key (`nova get-password`, `openstack server set --no-password`). Only
 * the holder of the private key can read it; clearing it leaves the guest's password as it is.
 */
export function createServerPasswordRouter(deps: ServerPasswordDeps): Router {
  const router = Router();

  const load = (req: Request, res: Response, rule: 'show' | 'clear') =>
    authorizedServer(
      deps.sql,
      String(req.params['server_id']),
      contextOf(res),
      `os_compute_api:os-server-password:${rule}`,
    );

  router.get('/servers/:server_id/os-server-password', async (req: Request, res: Response) => {
    const instance = await load(req, res, 'show');
    res.json({ password: instance.server_password ?? '' });
  });

  router.delete('/servers/:server_id/os-server-password', async (req: Request, res: Response) => {
    const instance = await load(req, res, 'clear');
    const ctx = contextOf(res);
    await runServerTask(deps.operations, {
      task: 'password',
      workflow: clearServerPasswordWorkflow,
      input: { instanceUuid: instance.uuid, settings: deps.operations.settings },
      instance,
      ctx,
      summary: `clear the stored admin password of server ${instance.name}, requested by ${ctx.userId}`,
    });
    res.status(204).end();
  });

  return router;
}
