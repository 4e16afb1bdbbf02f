import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { serverTaskWorkflowId } from '../../domain/naming';
import { triggerCrashDumpWorkflow } from '../../workflows/trigger-crash-dump';
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
    await operations.start({
      workflow: triggerCrashDumpWorkflow,
      input: { instanceUuid: instance.uuid, requester: requesterOf(ctx), settings: operations.settings },
      workflowId: serverTaskWorkflowId(operations.settings.queuePrefix, instance.uuid, 'crash-dump', ctx.requestId),
      instanceUuid: instance.uuid,
      operation: rule.action,
      ctx,
      host: instance.host,
      summary: operationSummary({
        operation: rule.action,
        name: instance.name,
        host: instance.host,
        userId: ctx.userId,
      }),
      busyMessage: async () =>
        `Cannot '${rule.action}' instance ${instance.uuid} while another operation is in progress`,
    });
    return { status: 202 };
  },
});
