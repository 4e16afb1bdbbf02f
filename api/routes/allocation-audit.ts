import { Router } from 'express';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { allocationRepairWorkflowId } from '../../domain/naming';
import { repairAllocationsWorkflow } from '../../workflows/repair-allocations';
import { contextOf } from '../context';
import { BadRequest } from '../errors';
import type { Operations } from '../operations';
import { authorize } from '../policy/enforce';
import { auditAllocations } from '../queries/allocation-audit';
import { parseWith } from '../validation';

const POLICY = 'os_compute_api:os-allocation-audit';
const uuid = z.uuid();
const host = z.string().min(1).max(255);

/** The findings to repair, as the audit listed them (extra fields such as `reason` are accepted and ignored). */
export const repairBody = z.strictObject({
  orphaned_allocations: z
    .array(z.object({ consumer_uuid: uuid, host }))
    .max(1000)
    .optional(),
  missing_allocations: z
    .array(z.object({ instance_uuid: uuid, host }))
    .max(1000)
    .optional(),
});
export type RepairBody = z.infer<typeof repairBody>;

/**
 * `GET /os-allocation-audit` (beyond Nova, admin only): every allocation that matches no live instance or
 * in-progress migration, every placed instance without its claim, every over-committed host. Empty lists
 * mean the books balance. `POST /os-allocation-audit/repair` fixes the listed findings through the conductor
 * (Nova's `nova-manage placement audit --delete` and `heal_allocations`), each re-checked as it is fixed.
 */
export function createAllocationAuditRouter(deps: { sql: Sql; operations: Operations }): Router {
  const router = Router();
  router.get('/os-allocation-audit', async (_req, res) => {
    authorize(contextOf(res), POLICY);
    res.json({ allocation_audit: await auditAllocations(deps.sql) });
  });

  router.post('/os-allocation-audit/repair', async (req, res) => {
    const ctx = contextOf(res);
    authorize(ctx, `${POLICY}:repair`);
    const body = parseWith(repairBody, req.body);
    const orphaned = (body.orphaned_allocations ?? []).map((a) => ({ consumerUuid: a.consumer_uuid, host: a.host }));
    const missing = (body.missing_allocations ?? []).map((m) => ({ instanceUuid: m.instance_uuid, host: m.host }));
    if (orphaned.length + missing.length === 0) throw new BadRequest('No findings to repair were given.');
    const report = await deps.operations.runTask({
      workflow: repairAllocationsWorkflow,
      input: { orphaned, missing, settings: deps.operations.settings },
      workflowId: allocationRepairWorkflowId(deps.operations.settings.queuePrefix, ctx.requestId),
      operation: 'allocation-repair',
      ctx,
      summary: `repair ${orphaned.length} orphaned and ${missing.length} missing allocation(s), requested by ${ctx.userId}`,
    });
    res.json({
      allocation_repair: {
        orphaned_allocations: report.orphaned.map((r) => ({
          consumer_uuid: r.consumerUuid,
          host: r.host,
          outcome: r.outcome,
        })),
        missing_allocations: report.missing.map((r) => ({
          instance_uuid: r.instanceUuid,
          host: r.host,
          outcome: r.outcome,
        })),
      },
    });
  });
  return router;
}
