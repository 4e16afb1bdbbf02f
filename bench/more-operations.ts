/**
 * resize (+ confirm), shelve → offload → unshelve and createImage: ours through the API (the POST, then the
 * workflow's result; resize's confirm is the API's own update, sent at once and answered once VERIFY_RESIZE is
 * reached), and the baseline's same-shape raw workflows started the way the API starts them.
 */
import { randomUUID } from 'node:crypto';
import { confirmResizeUpdate } from '../workflows/resize/messages';
import { baselineShelveWorkflow, baselineSnapshotWorkflow, baselineUnshelveWorkflow } from './baseline-workflows';
import { OperationFailed } from './http';
import type { Bench } from './scenarios';

/** The flavor a resize goes to (m1.small, from the servers' m1.tiny). */
export const RESIZE_FLAVOR = '2';

export async function ourResize(bench: Bench, id: string): Promise<void> {
  await bench.api.action(id, { resize: { flavorRef: RESIZE_FLAVOR } }, 202);
  const requester = { requestId: `req-${randomUUID()}`, userId: 'admin', projectId: 'admin' };
  await bench.stack.operations.update(
    id,
    confirmResizeUpdate,
    requester,
    () => new OperationFailed(`confirmResize refused for ${id}`),
  );
  await bench.ourHandle(id).result();
}

/** shelve (offloaded at once: shelved_offload_time 0), then unshelve onto whichever host the scheduler picks. */
export async function ourShelveCycle(bench: Bench, id: string): Promise<void> {
  await bench.api.action(id, { shelve: null }, 202);
  await bench.ourHandle(id).result();
  await bench.api.action(id, { unshelve: null }, 202);
  await bench.ourHandle(id).result();
}

export async function ourSnapshot(bench: Bench, id: string, name: string): Promise<void> {
  await bench.api.action(id, { createImage: { name } }, 202);
  await bench.ourHandle(id).result();
}

/** `queuedSteps`: the twin whose conductor steps are activities on a queue (bench/baseline-workflows.ts). */
export async function baselineShelveCycle(bench: Bench, workflowId: string, host: string, queuedSteps = false) {
  const shelve = bench.baselineInput(host, undefined, queuedSteps);
  await (await bench.baselineStart(baselineShelveWorkflow, workflowId, shelve)).result();
  const unshelve = bench.baselineInput(host, bench.otherHost(host), queuedSteps);
  await (await bench.baselineStart(baselineUnshelveWorkflow, workflowId, unshelve)).result();
}

export async function baselineSnapshot(bench: Bench, workflowId: string, host: string, queuedSteps = false) {
  const input = bench.baselineInput(host, undefined, queuedSteps);
  await (await bench.baselineStart(baselineSnapshotWorkflow, workflowId, input)).result();
}
