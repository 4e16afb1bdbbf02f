import { Router } from 'express';
import type { Sql } from 'postgres';
import { contextOf } from '../context';
import { authorize } from '../policy/enforce';
import { auditAllocations } from '../queries/allocation-audit';

/**
 * `GET /os-allocation-audit` (beyond Nova, admin only): every allocation that matches no live instance or
 * in-progress migration, every placed instance without its claim, every over-committed host. Empty lists
 * mean the books balance.
 */
export function createAllocationAuditRouter(deps: { sql: Sql }): Router {
  const router = Router();
  router.get('/os-allocation-audit', async (_req, res) => {
    authorize(contextOf(res), 'os_compute_api:os-allocation-audit');
    res.json({ allocation_audit: await auditAllocations(deps.sql) });
  });
  return router;
}
