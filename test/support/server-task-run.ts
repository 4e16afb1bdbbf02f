import { serverTaskWorkflowId, type ServerTask } from '../../domain/naming';
import { InstanceIdKey, OperationKey } from '../../domain/search-attributes';
import type { Reply } from './http';
import type { TestStack } from './test-stack';

/** What an operator sees of the run a server task (update, lock, unlock) left for the request that `reply` answered. */
export async function serverTaskRun(stack: TestStack, server: string, task: ServerTask, reply: Reply) {
  const requestId = reply.headers.get('x-openstack-request-id')!;
  const workflowId = serverTaskWorkflowId(stack.prefix, server, task, requestId);
  const described = await stack.client.workflow.getHandle(workflowId).describe();
  return {
    type: described.type,
    status: described.status.name,
    instanceId: described.typedSearchAttributes.get(InstanceIdKey),
    operation: described.typedSearchAttributes.get(OperationKey),
    summary: await described.staticSummary(),
  };
}
