import { createConductorActivities } from '../../activities/conductor';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// Found by the chaos run: a delete cancelled a createImage while its conductor step image_pending_upload →
// image_uploading was in flight. The workflow went on to its compensation expecting image_pending_upload, the step
// landed first, the compensation's compare-and-set failed, and the createImage action never finished while its
// image stayed `saving` forever. The compensation now also accepts the operation's later task states.
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  api = new ApiClient(stack.baseUrl).withHeaders({ 'OpenStack-API-Version': 'compute 2.45' });
});

afterAll(async () => {
  await stack?.hypervisor('host-a').faults.clear();
  await stack?.stop();
});

it("clears the task, finishes the action and deletes the image when a cancelled step landed after the run's last known state", async () => {
  const id = await api.createServer({ name: 'snapped' });
  await api.waitForStatus(id, 'ACTIVE');
  await stack.hypervisor('host-a').faults.set(HypervisorStep.Snapshot, { mode: 'hang' });
  const reply = await api.action(id, { createImage: { name: 'snap' } });
  expect(reply.status).toBe(202);
  const imageId: string = reply.body.image_id;
  const requestId = reply.headers.get('x-openstack-request-id')!;
  await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'image_uploading');

  // What the cancelled run's compensation sends: the state it last knew, and the later ones of its operation.
  const conductor = createConductorActivities(stack.sql, stack.images);
  await conductor.failSnapshot({
    instanceUuid: id,
    expected: 'image_pending_upload',
    orLater: ['image_uploading'],
    requestId,
    imageId,
    fault: { code: 500, message: 'cancelled by a delete', details: '' },
    events: [],
  });

  const server = (await api.get(`/v2.1/servers/${id}`)).body.server;
  expect([server.status, server['OS-EXT-STS:task_state']]).toEqual(['ACTIVE', null]);
  const [action] = await stack.sql`SELECT finish_time, message FROM instance_actions WHERE request_id = ${requestId}`;
  expect(action?.['finish_time']).not.toBeNull();
  expect(action?.['message']).toBe('Error');
  const [image] = await stack.sql`SELECT status FROM images WHERE id = ${imageId}`;
  expect(image?.['status']).toBe('deleted');
});
