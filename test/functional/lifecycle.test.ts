import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { instanceWorkflowId } from '../../domain/naming';
import { HostKey, OperationKey } from '../../domain/search-attributes';
import { waitFor } from '../../worker/infra/ports';
import { ApiClient, CIRROS } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  // 8 GiB hosts: m1.xlarge (16 GiB) fits nowhere.
  stack = await startTestStack({
    hosts: [
      { name: 'host-a', memoryMb: 8192 },
      { name: 'host-b', memoryMb: 8192 },
    ],
  });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

async function allocationsOf(uuid: string): Promise<Array<{ host: string; vcpus: number; memory_mb: number }>> {
  return stack.sql`SELECT host, vcpus, memory_mb FROM allocations WHERE consumer_uuid = ${uuid} ORDER BY host`;
}

describe('create', () => {
  it('records one patch marker and one change-version upsert in its history, whatever patches its code checks', async () => {
    // The SDK writes both for every patch a run takes: the folded patch (workflows/patches.ts) is the only one.
    const id = await api.createServer({ name: 'one-patch' });
    await api.waitForStatus(id, 'ACTIVE');
    const history = await stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id)).fetchHistory();
    const events = history.events ?? [];
    const patches = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    const versions = events.filter(
      (e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.['TemporalChangeVersion'],
    );
    expect([patches.length, versions.length]).toEqual([1, 1]);
  });

  it('boots a server to ACTIVE with a disk on the chosen host and a claim for its flavor', async () => {
    const reply = await api.post('/v2.1/servers', {
      server: { name: 'web-1', flavorRef: '1', imageRef: CIRROS, networks: 'none', metadata: { role: 'web' } },
    });
    expect(reply.status).toBe(202);
    const id = reply.body.server.id as string;
    expect(reply.headers.get('location')).toBe(`${stack.baseUrl}/v2.1/servers/${id}`);
    expect(reply.body.server.adminPass).toEqual(expect.any(String));
    expect(reply.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);

    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-STS:vm_state']).toBe('active');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect(server['OS-SRV-USG:launched_at']).toEqual(expect.any(String));
    expect(server.metadata).toEqual({ role: 'web' });
    const host = server['OS-EXT-SRV-ATTR:host'] as string;
    expect(['host-a', 'host-b']).toContain(host);

    const guest = await stack.hypervisor(host).getGuest(id);
    expect(guest?.powerState).toBe(1);
    expect(await stack.hypervisor(host).diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
    expect(await allocationsOf(id)).toEqual([{ host, vcpus: 1, memory_mb: 512 }]);

    const requestId = reply.headers.get('x-openstack-request-id');
    const action = await api
      .withHeaders({ 'OpenStack-API-Version': 'compute 2.62' })
      .get(`/v2.1/servers/${id}/os-instance-actions/${requestId}`);
    expect(action.body.instanceAction).toMatchObject({ action: 'create', request_id: requestId, message: null });
    const events = action.body.instanceAction.events.map((e: any) => [e.event, e.result, e.host ?? null]).sort();
    expect(events).toEqual([
      ['compute__do_build_and_run_instance', 'Success', host],
      ['conductor_schedule_and_build_instances', 'Success', null],
    ]);
  });

  it('shows BUILD at once after the 202: the record exists before the reply', async () => {
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Spawn, { mode: 'slow', delayMs: 1500, times: 1 });
    await stack.hypervisor('host-b').faults.set(HypervisorStep.Spawn, { mode: 'slow', delayMs: 1500, times: 1 });
    const id = await api.createServer({ name: 'slow-boot' });
    const reply = await api.get(`/v2.1/servers/${id}`);
    expect(reply.status).toBe(200);
    expect(reply.body.server.status).toBe('BUILD');
    expect(reply.body.server['OS-EXT-STS:vm_state']).toBe('building');
    await api.waitForStatus(id, 'ACTIVE');
    await stack.hypervisor('host-a').faults.clear();
    await stack.hypervisor('host-b').faults.clear();
  });

  it('ends in ERROR with NoValidHost and leaves no claim when no host has room', async () => {
    const id = await api.createServer({ name: 'too-big', flavorRef: '5' });
    const big = await api.waitForStatus(id, 'ERROR');
    expect(big.fault).toMatchObject({
      code: 500,
      message: 'No valid host was found. There are not enough hosts available.',
    });
    expect(big['OS-EXT-STS:task_state']).toBeNull();
    expect(await allocationsOf(id)).toEqual([]);
    const [action] = (await api.get(`/v2.1/servers/${id}/os-instance-actions`)).body.instanceActions;
    const detail = await api
      .withHeaders({ 'OpenStack-API-Version': 'compute 2.51' })
      .get(`/v2.1/servers/${id}/os-instance-actions/${action.request_id}`);
    expect(detail.body.instanceAction.message).toBe('Error');
    expect(detail.body.instanceAction.events).toEqual([
      expect.objectContaining({ event: 'conductor_schedule_and_build_instances', result: 'Error' }),
    ]);
  });
});

describe('Temporal visibility', () => {
  it('finds every operation of an instance by InstanceId, with its Operation and Host', async () => {
    const id = await api.createServer({ name: 'findable' });
    const host = (await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host'];
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    await api.waitForStatus(id, 'SHUTOFF');
    const runs: Array<{ type: string; operation: unknown; host: unknown; workflowId: string }> = [];
    await waitFor('both runs to be visible', async () => {
      runs.length = 0;
      for await (const wf of stack.client.workflow.list({ query: `InstanceId = '${id}'` })) {
        runs.push({
          type: wf.type,
          operation: wf.typedSearchAttributes.get(OperationKey),
          host: wf.typedSearchAttributes.get(HostKey),
          workflowId: wf.workflowId,
        });
      }
      return runs.length === 2 && runs.every((r) => r.host !== undefined);
    });
    expect(runs.map((r) => [r.type, r.operation, r.host]).sort()).toEqual([
      ['createServerWorkflow', 'create', host],
      ['stopServerWorkflow', 'stop', host],
    ]);
    expect(runs[0]!.workflowId).toBe(`${stack.prefix}instance-${id}`);
  });
});

describe('power operations', () => {
  let id: string;
  let host: string;

  beforeAll(async () => {
    id = await api.createServer({ name: 'power' });
    host = (await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host'];
  });

  it('stops: powering-off while the hypervisor works, then SHUTOFF with power_state 4', async () => {
    await stack.hypervisor(host).faults.set(HypervisorStep.PowerOff, { mode: 'slow', delayMs: 1500, times: 1 });
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    const during = (await api.get(`/v2.1/servers/${id}`)).body.server;
    expect(during.status).toBe('ACTIVE');
    expect(during['OS-EXT-STS:task_state']).toBe('powering-off');

    const server = await api.waitForStatus(id, 'SHUTOFF');
    expect(server['OS-EXT-STS:vm_state']).toBe('stopped');
    expect(server['OS-EXT-STS:power_state']).toBe(4);
    expect((await stack.hypervisor(host).getGuest(id))?.powerState).toBe(4);
  });

  it("refuses to stop a stopped server with 409 and Nova's message", async () => {
    const reply = await api.action(id, { 'os-stop': null });
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual({
      conflictingRequest: { code: 409, message: `Cannot 'stop' instance ${id} while it is in vm_state stopped` },
    });
  });

  it('starts a stopped server back to ACTIVE', async () => {
    expect((await api.action(id, { 'os-start': null })).status).toBe(202);
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect((await stack.hypervisor(host).getGuest(id))?.powerState).toBe(1);
  });

  it('soft-reboots with status REBOOT while it runs', async () => {
    await stack.hypervisor(host).faults.set(HypervisorStep.Reboot, { mode: 'slow', delayMs: 1500, times: 1 });
    expect((await api.action(id, { reboot: { type: 'SOFT' } })).status).toBe(202);
    const during = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'reboot_started');
    expect(during.status).toBe('REBOOT');
    await api.waitForStatus(id, 'ACTIVE');
  });

  it('answers 409 to a second action while one is running', async () => {
    await stack.hypervisor(host).faults.set(HypervisorStep.PowerOff, { mode: 'slow', delayMs: 2000, times: 1 });
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    const second = await api.action(id, { reboot: { type: 'HARD' } });
    expect(second.status).toBe(409);
    expect(second.body.conflictingRequest.code).toBe(409);
    await api.waitForStatus(id, 'SHUTOFF');
  });

  it('hard-reboots a stopped server to ACTIVE', async () => {
    expect((await api.action(id, { reboot: { type: 'hard' } })).status).toBe(202);
    await api.waitForStatus(id, 'ACTIVE');
  });

  it('keeps the vm_state and records a fault when the hypervisor fails to stop', async () => {
    await stack.hypervisor(host).faults.set(HypervisorStep.PowerOff, { mode: 'abort', times: 1 });
    expect((await api.action(id, { 'os-stop': null })).status).toBe(202);
    const server = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    expect(server.status).toBe('ACTIVE');
    const actions = await stack.sql`
      SELECT action, message, request_id FROM instance_actions WHERE instance_uuid = ${id} ORDER BY id DESC LIMIT 1`;
    expect(actions[0]).toMatchObject({ action: 'stop', message: 'Error' });
    const detail = await api
      .withHeaders({ 'OpenStack-API-Version': 'compute 2.62' })
      .get(`/v2.1/servers/${id}/os-instance-actions/${actions[0]!['request_id']}`);
    expect(detail.body.instanceAction.events).toEqual([
      expect.objectContaining({ event: 'compute_stop_instance', result: 'Error', host }),
    ]);
    expect(detail.body.instanceAction.events[0].traceback).toContain('failed step powerOff');
  });
});

describe('delete', () => {
  it('removes the disk and the claim, then the server is 404', async () => {
    const id = await api.createServer({ name: 'doomed-2' });
    const host = (await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host'];
    const reply = await api.delete(`/v2.1/servers/${id}`);
    expect(reply.status).toBe(204);
    await api.waitForGone(id);
    expect(await allocationsOf(id)).toEqual([]);
    expect(await stack.hypervisor(host).getGuest(id)).toBeUndefined();
    expect(await stack.hypervisor(host).diskChecksum(id)).toBeUndefined();
    const gone = await api.get(`/v2.1/servers/${id}`);
    expect(gone.body).toEqual({ itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
  });

  it('interrupts a build: the create rolls back, then the delete runs', async () => {
    await stack.hypervisor('host-a').faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    await stack.hypervisor('host-b').faults.set(HypervisorStep.Spawn, { mode: 'hang' });
    try {
      const id = await api.createServer({ name: 'hung' });
      await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');
      expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
      await api.waitForGone(id);
      expect(await allocationsOf(id)).toEqual([]);
    } finally {
      await stack.hypervisor('host-a').faults.clear();
      await stack.hypervisor('host-b').faults.clear();
    }
  });
});
