import { Router } from 'express';
import type { Sql } from 'postgres';
import { contextOf } from '../context';
import { rawQuery } from '../links';
import { atLeast, versionOf } from '../microversion';
import { authorize } from '../policy/enforce';
import { projectQuotas, projectUsage } from '../queries/limits';
import { limitsView } from '../views/limits';
import { lastValues, rejectUnknownParams } from './list-query';

export interface LimitsDeps {
  sql: Sql;
}

// nova/api/openstack/compute/schemas/limits.py: tenant_id, and from 2.75 nothing else.
const KNOWN = new Set(['tenant_id']);

/** GET /limits: the caller's (or, for admins, `tenant_id`'s) absolute limits and usage. */
export function createLimitsRouter(deps: LimitsDeps): Router {
  const router = Router();

  router.get('/limits', async (req, res) => {
    const ctx = contextOf(res);
    const version = versionOf(res);
    const values = lastValues(rawQuery(req));
    if (atLeast(version, '2.75')) rejectUnknownParams(values, KNOWN);
    let projectId = ctx.projectId;
    const tenantId = values['tenant_id'];
    if (tenantId !== undefined) {
      authorize(ctx, 'os_compute_api:limits:other_project');
      projectId = tenantId;
    }
    const [quotas, usage] = await Promise.all([projectQuotas(deps.sql, projectId), projectUsage(deps.sql, projectId)]);
    res.json(limitsView(quotas, usage, version));
  });

  return router;
}
