import { temporal } from '@temporalio/proto';
import { expectedDiskChecksum, RESCUE_DISK_CHUNKS } from '../../activities/compute/disk-image';
import type { FakeHypervisor } from '../../activities/compute/fake-hypervisor';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { instanceWorkflowId } from '../../domain/naming';
import { ApiClient, CIRROS, type Reply } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

const HOST = 'host-a';
const UBUNTU = 'a2459075-d96c-40d5-893e-577ff92e721c';
const SLOW = { mode: 'slow', delayMs: 1500, times: 1 } as const;

let stack: TestStack;
let api: ApiClient;
let hv: FakeHypervisor;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: HOST }] });
  api = new ApiClient(stack.baseUrl);
  hv = stack.hypervisor(HOST);
});

afterAll(async () => {
  await stack?.stop();
});

async function activeServer(name: string): Promise<string> {
  const id = await api.createServer({ name });
  await api.waitForStatus(id, 'ACTIVE');
  return id;
}

/** Runs an action with the hypervisor step slowed down; returns the reply and the server seen during the step. */
async function duringSlowStep(id: string, step: HypervisorStep, body: unknown): Promise<{ reply: Reply; during: any }> {
  await hv.faults.set(step, SLOW);
  const reply = await api.action(id, body);
  const during = (await api.get(`/v2.1/servers/${id}`)).body.server;
  return { reply, during };
}

/** The stored instance fault, which the API shows only for ERROR: rollbacks keep it in the record. */
async function storedFault(id: string): Promise<{ code: number; message: string } | null> {
  const [row] = await stack.sql`SELECT fault FROM instances WHERE uuid = ${id}`;
  return (row?.['fault'] as { code: number; message: string } | null) ?? null;
}

/** The instance action the reply's request recorded, as `GET /os-instance-actions/{request_id}` shows it. */
async function actionOf(id: string, reply: Reply): Promise<{ action: string; message: string | null }> {
  const requestId = reply.headers.get('x-openstack-request-id');
  const { action, message } = (await api.get(`/v2.1/servers/${id}/os-instance-actions/${requestId}`)).body
    .instanceAction;
  return { action, message };
}

/** Runs an action whose hypervisor step aborts once; returns the reply and the server once the task is over. */
async function failingStep(id: string, step: HypervisorStep, body: unknown): Promise<{ reply: Reply; after: any }> {
  await hv.faults.set(step, { mode: 'abort', times: 1 });
  const reply = await api.action(id, body);
  const after = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
  return { reply, after };
}

function conflict(id: string, action: string, vmState: string) {
  return {
    conflictingRequest: { code: 409, message: `Cannot '${action}' instance ${id} while it is in vm_state ${vmState}` },
  };
}

/** The encoded history of the instance's latest run: payloads are plain JSON bytes inside it. */
async function latestHistoryBytes(id: string): Promise<Buffer> {
  const history = await stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id)).fetchHistory();
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
}

describe('pause and unpause', () => {
  let id: string;

  beforeAll(async () => {
    id = await activeServer('pausable');
  });

  it("refuses to unpause an active server with 409 and Nova's message", async () => {
    const reply = await api.action(id, { unpause: null });
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual(conflict(id, 'unpause', 'active'));
  });

  it('pauses: pausing while the hypervisor works, then PAUSED with power_state 3', async () => {
    const { reply, during } = await duringSlowStep(id, HypervisorStep.Pause, { pause: null });
    expect(reply.status).toBe(202);
    expect(during.status).toBe('ACTIVE');
    expect(during['OS-EXT-STS:task_state']).toBe('pausing');

    const server = await api.waitForStatus(id, 'PAUSED');
    expect(server['OS-EXT-STS:vm_state']).toBe('paused');
    expect(server['OS-EXT-STS:power_state']).toBe(3);
    expect((await hv.getGuest(id))?.powerState).toBe(3);
    expect(await actionOf(id, reply)).toEqual({ action: 'pause', message: null });
  });

  it('refuses to pause or suspend a paused server', async () => {
    expect((await api.action(id, { pause: null })).body).toEqual(conflict(id, 'pause', 'paused'));
    expect((await api.action(id, { suspend: null })).body).toEqual(conflict(id, 'suspend', 'paused'));
  });

  it('unpauses: unpausing while the hypervisor works, then ACTIVE with power_state 1', async () => {
    const { reply, during } = await duringSlowStep(id, HypervisorStep.Unpause, { unpause: {} });
    expect(reply.status).toBe(202);
    expect(during.status).toBe('PAUSED');
    expect(during['OS-EXT-STS:task_state']).toBe('unpausing');

    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect((await hv.getGuest(id))?.powerState).toBe(1);
  });

  it('keeps ACTIVE, clears the task and records a fault when the hypervisor fails to pause', async () => {
    const { reply, after } = await failingStep(id, HypervisorStep.Pause, { pause: null });
    expect(reply.status).toBe(202);
    expect(after.status).toBe('ACTIVE');
    expect(after['OS-EXT-STS:vm_state']).toBe('active');
    expect(after['OS-EXT-STS:power_state']).toBe(1);
    expect(await storedFault(id)).toMatchObject({ code: 500, message: expect.stringContaining('step pause') });
    expect(await actionOf(id, reply)).toEqual({ action: 'pause', message: 'Error' });
    expect((await hv.getGuest(id))?.powerState).toBe(1);
  });
});

describe('suspend and resume', () => {
  let id: string;

  beforeAll(async () => {
    id = await activeServer('suspendable');
  });

  it("refuses to resume an active server with 409 and Nova's message", async () => {
    const reply = await api.action(id, { resume: null });
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual(conflict(id, 'resume', 'active'));
  });

  it('suspends: suspending while the hypervisor works, then SUSPENDED with power_state 7', async () => {
    const { reply, during } = await duringSlowStep(id, HypervisorStep.Suspend, { suspend: null });
    expect(reply.status).toBe(202);
    expect(during.status).toBe('ACTIVE');
    expect(during['OS-EXT-STS:task_state']).toBe('suspending');

    const server = await api.waitForStatus(id, 'SUSPENDED');
    expect(server['OS-EXT-STS:vm_state']).toBe('suspended');
    expect(server['OS-EXT-STS:power_state']).toBe(7);
    expect((await hv.getGuest(id))?.powerState).toBe(7);
  });

  it('rolls a failed resume back to SUSPENDED with the task cleared and a fault recorded', async () => {
    const { reply, after } = await failingStep(id, HypervisorStep.Resume, { resume: null });
    expect(reply.status).toBe(202);
    expect(after.status).toBe('SUSPENDED');
    expect(after['OS-EXT-STS:vm_state']).toBe('suspended');
    expect(after['OS-EXT-STS:power_state']).toBe(7);
    expect(await storedFault(id)).toMatchObject({ code: 500, message: expect.stringContaining('step resume') });
    expect(await actionOf(id, reply)).toEqual({ action: 'resume', message: 'Error' });
    expect((await hv.getGuest(id))?.powerState).toBe(7);
  });

  it('resumes: resuming while the hypervisor works, then ACTIVE with power_state 1', async () => {
    const { reply, during } = await duringSlowStep(id, HypervisorStep.Resume, { resume: null });
    expect(reply.status).toBe(202);
    expect(during.status).toBe('SUSPENDED');
    expect(during['OS-EXT-STS:task_state']).toBe('resuming');

    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect((await hv.getGuest(id))?.powerState).toBe(1);
  });
});

describe('rescue and unrescue', () => {
  const ownDisk = expectedDiskChecksum(CIRROS);
  let id: string;

  beforeAll(async () => {
    id = await activeServer('rescuable');
  });

  it("refuses to unrescue an active server with 409 and Nova's message", async () => {
    const reply = await api.action(id, { unrescue: null });
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual(conflict(id, 'unrescue', 'active'));
  });

  it('answers 400 for a rescue image that does not exist, and leaves the server alone', async () => {
    const missing = '11111111-2222-4333-8444-555555555555';
    const reply = await api.action(id, { rescue: { rescue_image_ref: missing } });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      badRequest: { code: 400, message: `Requested rescue image '${missing}' is not supported` },
    });
    const server = (await api.get(`/v2.1/servers/${id}`)).body.server;
    expect([server.status, server['OS-EXT-STS:task_state']]).toEqual(['ACTIVE', null]);
    expect(await hv.getGuest(id)).not.toHaveProperty('rescue');
  });

  it('answers 400 for a rescue image reference that is not a uuid', async () => {
    const reply = await api.action(id, { rescue: { rescue_image_ref: 'nope' } });
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toBe(
      "Invalid input for field/attribute rescue_image_ref. Value: nope. 'nope' is not a 'uuid'",
    );
  });

  it('rescues with 200 and a generated adminPass: rescuing, then RESCUE from a rescue disk', async () => {
    const { reply, during } = await duringSlowStep(id, HypervisorStep.Rescue, { rescue: null });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ adminPass: expect.stringMatching(/^\S{8,}$/) });
    expect(during.status).toBe('ACTIVE');
    expect(during['OS-EXT-STS:task_state']).toBe('rescuing');

    const server = await api.waitForStatus(id, 'RESCUE');
    expect(server['OS-EXT-STS:vm_state']).toBe('rescued');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    const rescueDisk = expectedDiskChecksum(CIRROS, RESCUE_DISK_CHUNKS);
    expect((await hv.getGuest(id))?.rescue).toEqual({ imageId: CIRROS, diskChecksum: rescueDisk });
    expect(await hv.rescueDiskChecksum(id)).toBe(rescueDisk);
    expect(await hv.diskChecksum(id)).toBe(ownDisk);
    expect((await latestHistoryBytes(id)).includes(reply.body.adminPass as string)).toBe(false);
  });

  it('refuses to rescue a rescued server', async () => {
    const reply = await api.action(id, { rescue: null });
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual(conflict(id, 'rescue', 'rescued'));
  });

  it('unrescues: unrescuing, then ACTIVE with the rescue disk gone and the own disk unchanged', async () => {
    const { reply, during } = await duringSlowStep(id, HypervisorStep.Unrescue, { unrescue: null });
    expect(reply.status).toBe(202);
    expect(during.status).toBe('RESCUE');
    expect(during['OS-EXT-STS:task_state']).toBe('unrescuing');

    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-STS:vm_state']).toBe('active');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect(await hv.getGuest(id)).not.toHaveProperty('rescue');
    expect(await hv.rescueDiskChecksum(id)).toBeUndefined();
    expect(await hv.diskChecksum(id)).toBe(ownDisk);
  });

  it('rescues a stopped server from a named image with the given adminPass, which no history holds', async () => {
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    await api.waitForStatus(id, 'SHUTOFF');
    const adminPass = 'rescue-Secret-4711';
    const reply = await api.action(id, { rescue: { adminPass, rescue_image_ref: UBUNTU } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ adminPass });

    const server = await api.waitForStatus(id, 'RESCUE');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect(await hv.rescueDiskChecksum(id)).toBe(expectedDiskChecksum(UBUNTU, RESCUE_DISK_CHUNKS));
    expect(await hv.diskChecksum(id)).toBe(ownDisk);
    const history = await latestHistoryBytes(id);
    expect(history.includes(UBUNTU)).toBe(true); // the search sees payloads...
    expect(history.includes(adminPass)).toBe(false); // ...and the password is in none

    expect((await api.action(id, { unrescue: null })).status).toBe(202);
    await api.waitForStatus(id, 'ACTIVE');
    expect(await hv.diskChecksum(id)).toBe(ownDisk);
  });

  it('keeps the vm_state, clears the task and records a fault when the hypervisor fails to rescue', async () => {
    const { reply, after } = await failingStep(id, HypervisorStep.Rescue, { rescue: null });
    expect(reply.status).toBe(200); // the API answers at admission, before the hypervisor works
    expect(after.status).toBe('ACTIVE');
    expect(after['OS-EXT-STS:vm_state']).toBe('active');
    expect(await storedFault(id)).toMatchObject({ code: 500, message: expect.stringContaining('step rescue') });
    expect(await actionOf(id, reply)).toEqual({ action: 'rescue', message: 'Error' });
    expect(await hv.rescueDiskChecksum(id)).toBeUndefined();
    expect(await hv.diskChecksum(id)).toBe(ownDisk);
  });

  it('puts the server in ERROR with its fault when the hypervisor fails to unrescue; rescue then recovers it', async () => {
    expect((await api.action(id, { rescue: null })).status).toBe(200);
    await api.waitForStatus(id, 'RESCUE');
    const { reply, after } = await failingStep(id, HypervisorStep.Unrescue, { unrescue: null });
    expect(reply.status).toBe(202);
    expect(after.status).toBe('ERROR');
    expect(after['OS-EXT-STS:vm_state']).toBe('error');
    expect(after.fault).toMatchObject({ code: 500, message: expect.stringContaining('step unrescue') });
    expect(await actionOf(id, reply)).toEqual({ action: 'unrescue', message: 'Error' });
    expect(await hv.rescueDiskChecksum(id)).toBeDefined();

    // Rescue is allowed from error; the guest is still rescued, so the retried step just succeeds.
    expect((await api.action(id, { rescue: null })).status).toBe(200);
    await api.waitForStatus(id, 'RESCUE');
    expect((await api.action(id, { unrescue: null })).status).toBe(202);
    await api.waitForStatus(id, 'ACTIVE');
    expect(await hv.rescueDiskChecksum(id)).toBeUndefined();
    expect(await hv.diskChecksum(id)).toBe(ownDisk);
  });

  it('deletes a rescued server with both its disks', async () => {
    const doomed = await activeServer('rescued-doomed');
    expect((await api.action(doomed, { rescue: null })).status).toBe(200);
    await api.waitForStatus(doomed, 'RESCUE');
    expect((await api.delete(`/v2.1/servers/${doomed}`)).status).toBe(204);
    await api.waitForGone(doomed);
    expect(await hv.getGuest(doomed)).toBeUndefined();
    expect(await hv.diskChecksum(doomed)).toBeUndefined();
    expect(await hv.rescueDiskChecksum(doomed)).toBeUndefined();
  });
});
