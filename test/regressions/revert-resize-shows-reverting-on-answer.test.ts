import { HypervisorStep } from '../../activities/compute/fault-switches';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// Found by the chaos run: revertResize answered 202 as soon as the resize workflow took the decision, before the
// conductor recorded resize_reverting, so a GET right after the 202 could still show VERIFY_RESIZE and a second
// decision got a confusing 400. It answers once resize_reverting is recorded, and not after the whole revert.
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [
      { name: 'host-a', vcpus: 64, memoryMb: 65536, diskGb: 2000 },
      { name: 'host-b', vcpus: 32, memoryMb: 32768, diskGb: 1000 },
    ],
  });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

it('shows REVERT_RESIZE right after revertResize answers 202, while the destination is still being cleaned', async () => {
  const id = await api.createServer({ name: 'reverter' });
  await api.waitForStatus(id, 'ACTIVE');
  expect((await api.action(id, { resize: { flavorRef: '2' } })).status).toBe(202);
  const resized = await api.waitForStatus(id, 'VERIFY_RESIZE');
  // The revert destroys the guest on the destination first: hold it there, so the revert cannot finish.
  await stack.hypervisor(resized['OS-EXT-SRV-ATTR:host']).faults.set(HypervisorStep.Destroy, { mode: 'hang' });

  expect((await api.action(id, { revertResize: null })).status).toBe(202);
  const right = (await api.get(`/v2.1/servers/${id}`)).body.server;
  expect([right.status, right['OS-EXT-STS:task_state']]).toEqual(['REVERT_RESIZE', 'resize_reverting']);
  const again = await api.action(id, { revertResize: null });
  expect(again.status).toBe(409);

  await stack.hypervisor(resized['OS-EXT-SRV-ATTR:host']).faults.clear();
  const reverted = await api.waitForStatus(id, 'ACTIVE');
  expect(reverted['OS-EXT-SRV-ATTR:host']).toBe('host-a');
});
