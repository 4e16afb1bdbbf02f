import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/test-stack';

// What a guest wrote to its disk survives every round trip byte for byte, and a snapshot brings back exactly
// the disk it was taken of, not the image the server was built from.
const HOST = 'host-a';
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: HOST }] });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

const at = (version: string) => api.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });

async function act(id: string, body: unknown, status: string): Promise<void> {
  expect([200, 202]).toContain((await api.action(id, body)).status);
  await api.waitForStatus(id, status);
}

async function checksum(id: string): Promise<string> {
  const sum = await stack.hypervisor(HOST).diskChecksum(id);
  if (!sum) throw new Error(`server ${id} has no disk on ${HOST}`);
  return sum;
}

describe('a disk with what its guest wrote', () => {
  let id: string;
  let written: string;

  beforeAll(async () => {
    id = await api.createServer({ name: 'round-trips' });
    await api.waitForStatus(id, 'ACTIVE');
    const before = await checksum(id);
    await stack.hypervisor(HOST).guestWrite(id, 8192, Buffer.from('the guest was here'));
    written = await checksum(id);
    expect(written).not.toBe(before);
  });

  it.each([
    ['stop and start', { 'os-stop': null }, 'SHUTOFF', { 'os-start': null }],
    ['pause and unpause', { pause: null }, 'PAUSED', { unpause: null }],
    ['suspend and resume', { suspend: null }, 'SUSPENDED', { resume: null }],
    ['rescue and unrescue', { rescue: null }, 'RESCUE', { unrescue: null }],
    ['shelve and unshelve', { shelve: null }, 'SHELVED_OFFLOADED', { unshelve: null }],
  ])('keeps it through %s', async (_name, there, status, back) => {
    await act(id, there, status);
    await act(id, back, 'ACTIVE');
    expect(await checksum(id)).toBe(written);
  });

  it('comes back from its snapshot after the guest wrote more and after a rebuild from the original image', async () => {
    const reply = await at('2.45').action(id, { createImage: { name: 'round-trip-snap' } });
    expect(reply.status).toBe(202);
    const snapshot = reply.body.image_id as string;
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    await stack.hypervisor(HOST).guestWrite(id, 0, Buffer.from('written after the snapshot'));
    expect(await checksum(id)).not.toBe(written);

    const original = (await api.get(`/v2.1/servers/${id}`)).body.server.image.id as string;
    await act(id, { rebuild: { imageRef: original } }, 'ACTIVE');
    expect(await checksum(id)).not.toBe(written);

    await act(id, { rebuild: { imageRef: snapshot } }, 'ACTIVE');
    expect(await checksum(id)).toBe(written);
  });
});
