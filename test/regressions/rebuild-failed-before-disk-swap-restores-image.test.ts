import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { CIRROS } from '../support/http';
import { waitForStepRunning } from '../support/move-crash';
import { useTestStack } from '../support/use-test-stack';

// Found by the chaos run ("disk is not image …" after a rebuild interrupted by a delete whose destroy failed):
// Nova records the new image at the rebuild's admission, so a rebuild that ended before the host swapped the disk
// left a server in ERROR showing the new image over the previous image's disk. Now such a rebuild gives the server
// its previous image back; one that fails after the swap keeps the new image, which is then what the disk is.
const HOST = 'host-a';
const UBUNTU = 'a2459075-d96c-40d5-893e-577ff92e721c';
/** m1.small: Ubuntu's min_disk (3 GB) does not fit m1.tiny's 1 GB root disk. */
const SMALL = '2';
const env = useTestStack({ hosts: [{ name: HOST }] });

afterEach(async () => {
  await env.stack.hypervisor(HOST).faults.clear();
});

async function activeServer(name: string): Promise<string> {
  const id = await env.api.createServer({ name, flavorRef: SMALL });
  await env.api.waitForStatus(id, 'ACTIVE');
  return id;
}

async function expectImageAndDisk(id: string, image: string): Promise<void> {
  const server = (await env.api.get(`/v2.1/servers/${id}`)).body.server;
  expect([server.status, server.image.id]).toEqual(['ERROR', image]);
  expect(await env.stack.hypervisor(HOST).diskChecksum(id)).toBe(expectedDiskChecksum(image));
}

it('shows the previous image again when the rebuild step fails', async () => {
  const id = await activeServer('rebuild-fails');
  await env.stack.hypervisor(HOST).faults.set(HypervisorStep.Rebuild, { mode: 'abort', times: 1 });
  const reply = await env.api.action(id, { rebuild: { imageRef: UBUNTU } });
  expect(reply.status).toBe(202);
  expect(reply.body.server.image.id).toBe(UBUNTU);
  const server = await env.api.waitForStatus(id, 'ERROR');
  expect(server.fault.message).toContain('failed step rebuild');
  await expectImageAndDisk(id, CIRROS);
});

it('shows the previous image when a delete that then fails interrupted the rebuild before the swap', async () => {
  const id = await activeServer('rebuild-interrupted');
  const hv = env.stack.hypervisor(HOST);
  await hv.faults.set(HypervisorStep.Rebuild, { mode: 'hang' });
  await hv.faults.set(HypervisorStep.Destroy, { mode: 'abort' });
  expect((await env.api.action(id, { rebuild: { imageRef: UBUNTU } })).status).toBe(202);
  await waitForStepRunning(env.stack, id, 'rebuild');
  // The delete cancels the rebuild, then the host refuses to destroy the guest: the server stays, in ERROR.
  expect((await env.api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
  await env.api.waitForServer(id, (s) => s.status === 'ERROR' && s['OS-EXT-STS:task_state'] === null);
  await expectImageAndDisk(id, CIRROS);
});

it('keeps the new image when the rebuild fails after the disk was swapped', async () => {
  const id = await activeServer('rebuild-then-stop-fails');
  expect((await env.api.action(id, { 'os-stop': null })).status).toBe(202);
  await env.api.waitForStatus(id, 'SHUTOFF');
  // A stopped server is rebuilt, booted, then stopped again: the stop fails once the disk is the new one.
  await env.stack.hypervisor(HOST).faults.set(HypervisorStep.PowerOff, { mode: 'abort' });
  expect((await env.api.action(id, { rebuild: { imageRef: UBUNTU } })).status).toBe(202);
  await env.api.waitForStatus(id, 'ERROR');
  await expectImageAndDisk(id, UBUNTU);
});
