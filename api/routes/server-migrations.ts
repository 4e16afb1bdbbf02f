import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { StateRules, lockConflict } from '../../domain/guards';
import { contextOf } from '../context';
import { BadRequest, InstanceInvalidState, ItemNotFound, instanceNotFound } from '../errors';
import type { Operations } from '../operations';
import { abortLiveMigrationUpdate, forceCompleteLiveMigrationUpdate } from '../../workflows/live-migration/messages';
import { atLeast, versionOf } from '../microversion';
import { authorize } from '../policy/enforce';
import { getActionInstance, type ActionInstance } from '../queries/instance-actions';
import { getInstanceMigration, listInProgressLiveMigrations } from '../queries/migrations';
import { LIVE_MIGRATION, LIVE_MIGRATION_IN_PROGRESS, serverMigrationView } from '../views/migration';

export interface ServerMigrationsDeps {
  sql: Sql;
  operations: Operations;
}

/**
 * GET /servers/{id}/migrations[/{migration_id}] (2.23+): a server's in-progress live migrations only, as in
 * Nova; cold moves and resizes are read through /os-migrations. Query parameters are ignored (Nova's schema
 * allows any until 2.102).
 */
export function createServerMigrationsRouter(deps: ServerMigrationsDeps): Router {
  const router = Router();

  // Nova checks the server first (another project's is not found), then the admin-only policy.
  const loadInstance = async (req: Request, res: Response, rule: 'index' | 'show'): Promise<ActionInstance> => {
    // Before 2.23 only the force_complete action lives here: a GET has no method, Nova's plain 404.
    if (!atLeast(versionOf(res), '2.23')) throw new ItemNotFound('The resource could not be found.');
    const serverId = String(req.params['server_id']);
    const ctx = contextOf(res);
    const instance = await getActionInstance(deps.sql, serverId, { ctx, withDeleted: false });
    if (!instance) throw instanceNotFound(serverId);
    authorize(ctx, `os_compute_api:servers:migrations:${rule}`, { projectId: instance.project_id });
    return instance;
  };

  router.get('/servers/:server_id/migrations', async (req: Request, res: Response) => {
    const instance = await loadInstance(req, res, 'index');
    const rows = await listInProgressLiveMigrations(deps.sql, instance.uuid);
    res.json({ migrations: rows.map((row) => serverMigrationView(row, versionOf(res))) });
  });

  router.get('/servers/:server_id/migrations/:migration_id', async (req: Request, res: Response) => {
    const instance = await loadInstance(req, res, 'show');
    const id = String(req.params['migration_id']);
    const serverId = String(req.params['server_id']);
    const row = await getInstanceMigration(deps.sql, instance.uuid, id);
    // Nova's three messages (server_migrations.py show), in its order.
    if (!row) throw new ItemNotFound(`In-progress live migration ${id} is not found for server ${serverId}.`);
    if (row.migration_type !== LIVE_MIGRATION) {
      throw new ItemNotFound(`Migration ${id} for server ${serverId} is not live-migration.`);
    }
    if (!LIVE_MIGRATION_IN_PROGRESS.includes(row.status)) {
      throw new ItemNotFound(`Live migration ${id} for server ${serverId} is not in progress.`);
    }
    res.json({ migration: serverMigrationView(row, versionOf(res)) });
  });

  // Abort (2.24+) and force-complete (2.22+) are updates on the running live migration workflow.
  const decide = async (req: Request, res: Response, which: 'abort' | 'force_complete') => {
    const instance = await loadLiveMigrationTarget(req, res, which === 'abort' ? '2.24' : '2.22');
    const id = String(req.params['migration_id']);
    const row = await getInstanceMigration(deps.sql, instance.uuid, id);
    if (!row || row.migration_type !== LIVE_MIGRATION) {
      throw new ItemNotFound(`In-progress live migration ${id} is not found for server ${instance.uuid}.`);
    }
    const ctx = contextOf(res);
    const verb = which === 'abort' ? 'abort live migration' : 'force complete';
    await deps.operations.update(
      instance.uuid,
      which === 'abort' ? abortLiveMigrationUpdate : forceCompleteLiveMigrationUpdate,
      { requestId: ctx.requestId, userId: ctx.userId, projectId: ctx.projectId },
      () =>
        new BadRequest(
          `Migration ${id} state of instance ${instance.uuid} is ${row.status}. Cannot ${verb} in this state.`,
        ),
    );
    res.status(202).end();
  };

  const loadLiveMigrationTarget = async (req: Request, res: Response, since: string): Promise<ActionInstance> => {
    if (!atLeast(versionOf(res), since)) throw new ItemNotFound('The resource could not be found.');
    const serverId = String(req.params['server_id']);
    const ctx = contextOf(res);
    const instance = await getActionInstance(deps.sql, serverId, { ctx, withDeleted: false });
    if (!instance) throw instanceNotFound(serverId);
    authorize(ctx, `os_compute_api:servers:migrations:${since === '2.24' ? 'delete' : 'force_complete'}`, {
      projectId: instance.project_id,
    });
    // Nova checks the lock before it looks for the migration. Its abort has no handler of its own for the lock
    // and answers with the generic invalid-state message; force-complete names the lock.
    if (lockConflict(StateRules.liveMigrate, instance, ctx.isAdmin)) {
      throw new InstanceInvalidState(
        since === '2.24'
          ? `Instance ${serverId} is in an invalid state for 'abort live migration'`
          : `Instance ${instance.uuid} is locked`,
      );
    }
    return instance;
  };

  router.delete('/servers/:server_id/migrations/:migration_id', (req, res) => decide(req, res, 'abort'));
  router.post('/servers/:server_id/migrations/:migration_id/action', async (req, res) => {
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object' || !('force_complete' in body) || Object.keys(body).length !== 1) {
      throw new BadRequest('Malformed request body');
    }
    await decide(req, res, 'force_complete');
  });

  return router;
}
