import type { Client } from '@temporalio/client';
import { instanceWorkflowId } from '../../domain/naming';

/**
 * Cancels the instance's running operation. The workflow's own compensation runs (the guest goes back, claims
 * are released), so nothing needs resetting afterwards; this waits until it has finished, up to `timeoutMs`.
 */
export async function cancelOperation(
  client: Client,
  queuePrefix: string,
  instanceUuid: string,
  timeoutMs: number,
): Promise<string> {
  const handle = client.workflow.getHandle(instanceWorkflowId(queuePrefix, instanceUuid));
  const before = await handle.describe().catch(() => undefined);
  if (before?.status.name !== 'RUNNING') return `no operation is running on ${instanceUuid}`;
  await handle.cancel();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await handle.describe();
    if (now.status.name !== 'RUNNING') return `${now.type} ${now.status.name.toLowerCase()} (run ${now.runId})`;
    if (Date.now() > deadline) return `${now.type} still rolling back (run ${now.runId}); check it in the Temporal UI`;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
