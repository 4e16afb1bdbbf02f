import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { serverTaskWorkflowId } from '../../domain/naming';
import { triggerCrashDumpWorkflow, type CrashDumpOutcome } from '../../workflows/trigger-crash-dump';
import { InstanceInvalidState, instanceNotFound } from '../errors';
import { operationSummary } from '../operation-summary';
import { defineAction, guardState, requesterOf } from './action';

/**
 * trigger_crash_dump (2.17, `openstack server dump create`): an NMI into the guest, whose kernel panics, saves a
 * dump and reboots, as its console then shows. Nova casts it: 202 once the action is recorded, whatever the host
 * makes of it (a failure shows as the action's error and the server's fault).
 */
export const triggerCrashDump = defineAction({
  key: 'trigger_crash_dump',
  minVersion: '2.17',
  policy: 'os_compute_api:servers:trigger_crash_dump',
  schema: z.null(),
  async handle(_body, call) {
    const { instance, ctx, operations } = call;
    const rule = StateRules.triggerCrashDump;
    guardState(rule, call);
    const outcome: CrashDumpOutcome = await operations
      .runTask({
        workflow: triggerCrashDumpWorkflow,
        input: { instanceUuid: instance.uuid, requester: requesterOf(ctx), settings: operations.settings },
        workflowId: serverTaskWorkflowId(operations.settings.queuePrefix, instance.uuid, 'crash-dump', ctx.requestId),
        instanceUuid: instance.uuid,
        operation: rule.action,
        ctx,
        summary: operationSummary({
          operation: rule.action,
          name: instance.name,
          host: instance.host,
          userId: ctx.userId,
        }),
      })
      .catch((err: unknown) => {
        // The host failed the NMI after the admission recorded the action: as Nova's cast, still accepted.
        if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return { admitted: true };
        throw err;
      });
    if ('refused' in outcome) throw new InstanceInvalidState(outcome.refused);
    if ('gone' in outcome) throw instanceNotFound(instance.uuid);
    return { status: 202 };
  },
});
