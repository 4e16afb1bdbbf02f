import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import { FaultType } from '../../domain/faults';
import { consoleOutputWorkflow } from '../../workflows/console-output';
import { InstanceInvalidState, computeServiceUnavailable, instanceNotFound } from '../errors';
import { operationSummary } from '../operation-summary';
import { startServerTask } from '../server-task';
import { defineAction, type ActionCall } from './action';

/** Nova's length: an integer from -1 or a string of one; -1, a negative string or null (or none) mean all of it. */
const length = z
  .union([z.number().int().min(-1), z.string().regex(/^-?[0-9]+$/)])
  .nullable()
  .optional()
  .transform((value) => {
    const lines = value === null || value === undefined ? -1 : Number(value);
    return lines < 0 ? null : Math.min(lines, Number.MAX_SAFE_INTEGER);
  });

const consoleOutputBody = z.strictObject({ length });

/** What Nova filters out of a console before answering: control characters but tab and newline. */
export function printable(output: string): string {
  return output.replace(/[\x00-\x08\x0B-\x1F]/g, '');
}

/**
 * os-getConsoleOutput (`openstack console log show`): 200 with what the guest printed on its serial console,
 * read from its host while the request waits. No state check, as in Nova: any server on a host has a console,
 * however stopped; one on no host (building, offloaded) is a 409, one whose host is down too.
 */
export const osGetConsoleOutput = defineAction({
  key: 'os-getConsoleOutput',
  policy: 'os_compute_api:os-console-output',
  schema: consoleOutputBody,
  async handle(body, call) {
    const { instance, ctx, operations } = call;
    const host = instance.host;
    if (!host) throw new InstanceInvalidState(`Instance ${instance.uuid} is not ready`);
    const output = await startServerTask(operations, {
      task: 'console',
      workflow: consoleOutputWorkflow,
      input: { instanceUuid: instance.uuid, host, length: body.length, settings: operations.settings },
      instance,
      ctx,
      summary: operationSummary({ operation: 'console', name: instance.name, host, userId: ctx.userId }),
    }).catch((err: unknown) => {
      throw consoleError(err, call, host);
    });
    return { status: 200, body: { output: printable(output) } };
  },
});

/** Nova's answers when the host cannot read the console: the guest is not there (404), the host is down (409). */
function consoleError(err: unknown, call: ActionCall, host: string): unknown {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ActivityFailure)) return err;
  const cause = err.cause.cause;
  if (cause instanceof ApplicationFailure && cause.type === FaultType.InstanceNotFound) {
    return instanceNotFound(call.instance.uuid);
  }
  if (cause instanceof TimeoutFailure) {
    return computeServiceUnavailable(host);
  }
  return err;
}
