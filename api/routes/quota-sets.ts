import { Router, type Request, type Response } from 'express';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { DEFAULT_QUOTAS, type QuotaResource } from '../../domain/quotas';
import { contextOf, type RequestContext } from '../context';
import { BadRequest } from '../errors';
import { type ApiVersion, versionOf } from '../microversion';
import { authorize } from '../policy/enforce';
import { resetProjectQuotas, setProjectQuotas } from '../quotas/quota-store';
import { countKeyPairs } from '../queries/keypairs';
import { projectQuotas, projectUsage } from '../queries/limits';
import { parseWith } from '../validation';
import { quotaResourcesAt, quotaSetDetailView, quotaSetView } from '../views/quota-set';

export interface QuotaSetsDeps {
  sql: Sql;
}

// Nova's quota values: an integer or its decimal string, from -1 (unlimited) to 2^31 - 1.
const limitValue = z
  .union([
    z.number().int(),
    z
      .string()
      .regex(/^-?[0-9]+$/)
      .transform(Number),
  ])
  .pipe(z.number().int().min(-1).max(0x7fffffff));
const forceValue = z.union([
  z.boolean(),
  z.enum(['true', 'True', 'false', 'False']).transform((s) => s === 'true' || s === 'True'),
]);

export function updateSchema(version: ApiVersion) {
  const fields = Object.fromEntries(quotaResourcesAt(version).map((r) => [r, limitValue.optional()]));
  return z.strictObject({ quota_set: z.strictObject({ ...fields, force: forceValue.optional() }) });
}

/** Members read their own project's quotas; anything else is an admin's (Nova's default policy). */
function readableProject(ctx: RequestContext, projectId: string, rule: 'show' | 'detail'): string {
  authorize(ctx, `os_compute_api:os-quota-sets:${rule}`, { projectId });
  return projectId;
}

/** /os-quota-sets/{project}: show (with defaults and detail), update and revert a project's quotas. */
export function createQuotaSetsRouter(deps: QuotaSetsDeps): Router {
  const router = Router();
  const project = (req: Request) => String(req.params['project']);

  router.get('/os-quota-sets/:project', async (req: Request, res: Response) => {
    const projectId = readableProject(contextOf(res), project(req), 'show');
    const quotas = await projectQuotas(deps.sql, projectId);
    res.json({ quota_set: quotaSetView(quotas, versionOf(res), projectId) });
  });

  router.get('/os-quota-sets/:project/defaults', (req: Request, res: Response) => {
    authorize(contextOf(res), 'os_compute_api:os-quota-sets:defaults', { projectId: project(req) });
    res.json({ quota_set: quotaSetView(DEFAULT_QUOTAS, versionOf(res), project(req)) });
  });

  router.get('/os-quota-sets/:project/detail', async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const projectId = readableProject(ctx, project(req), 'detail');
    const [quotas, usage, keyPairs] = await Promise.all([
      projectQuotas(deps.sql, projectId),
      projectUsage(deps.sql, projectId),
      countKeyPairs(deps.sql, ctx.userId),
    ]);
    res.json({ quota_set: quotaSetDetailView(quotas, { ...usage, key_pairs: keyPairs }, versionOf(res), projectId) });
  });

  router.put('/os-quota-sets/:project', async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    authorize(ctx, 'os_compute_api:os-quota-sets:update', { projectId: project(req) });
    const version = versionOf(res);
    const { quota_set: body } = parseWith(updateSchema(version), req.body);
    const { force, ...limits } = body as Partial<Record<QuotaResource, number>> & { force?: boolean };
    const projectId = project(req);
    if (!force) {
      const usage = await projectUsage(deps.sql, projectId);
      for (const resource of ['instances', 'cores', 'ram'] as const) {
        const limit = limits[resource];
        if (limit !== undefined && limit !== -1 && limit < usage[resource]) {
          throw new BadRequest(
            `Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${usage[resource]}.`,
          );
        }
      }
    }
    await setProjectQuotas(deps.sql, projectId, limits);
    res.json({ quota_set: quotaSetView(await projectQuotas(deps.sql, projectId), version) });
  });

  router.delete('/os-quota-sets/:project', async (req: Request, res: Response) => {
    authorize(contextOf(res), 'os_compute_api:os-quota-sets:delete', { projectId: project(req) });
    await resetProjectQuotas(deps.sql, project(req));
    res.status(202).end();
  });

  return router;
}
