import { HypervisorStep } from '../../activities/compute/fault-switches';
import { ApiClient } from '../support/http';
import { migrationsOf, resizedServer } from '../support/move-crash';
import { expectAuditClean } from '../support/audit';
import { startTestStack, type TestStack } from '../support/test-stack';

// Regression: when the source host could not destroy the old guest during confirmResize (a failed step, or a
// host that never picked the step up), the workflow ended with the server still in VERIFY_RESIZE, its
// migration `confirming` and nothing left to confirm it: stuck for good. Nova puts the server in ERROR with
// the fault and the migration in `error`; the server then stays deletable.
const SRC = 'host-a';
const DST = 'host-b';
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({
    hosts: [{ name: SRC, vcpus: 64, memoryMb: 65536 }, { name: DST }],
    settings: { computeScheduleToStartMs: 2000 },
  });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

const CASES = [
  {
    what: 'the source fails to destroy the old guest',
    breakSource: () => stack.hypervisor(SRC).faults.set(HypervisorStep.Destroy, { mode: 'abort' }),
    repairSource: () => stack.hypervisor(SRC).faults.clear(),
    fault: /failed step destroy/,
  },
  {
    what: 'the source host is down',
    breakSource: () => stack.stopHost(SRC),
    repairSource: () => stack.startHost({ name: SRC, vcpus: 64, memoryMb: 65536 }),
    fault: /timeout/i,
  },
];

describe.each(CASES)('confirmResize when $what', ({ breakSource, repairSource, fault }) => {
  it('puts the server in ERROR on the destination with the fault, and it can be deleted', async () => {
    const id = await resizedServer(api, 'confirm-fails', SRC, DST);
    await breakSource();
    try {
      expect((await api.action(id, { confirmResize: null })).status).toBe(204);
      const server = await api.waitForStatus(id, 'ERROR', 30_000);
      expect(server).toMatchObject({ 'OS-EXT-SRV-ATTR:host': DST, flavor: { id: '2' } });
      expect(server.fault.message).toMatch(fault);
      expect((await migrationsOf(api, id))[0]?.status).toBe('error');
      // The user confirmed: only the destination's claim is left, whatever stayed behind on the source.
      expect(await stack.sql`SELECT host FROM allocations WHERE consumer_uuid = ${id}`).toEqual([{ host: DST }]);
      await expectAuditClean(api);
    } finally {
      await repairSource();
    }
    expect((await api.delete(`/v2.1/servers/${id}`)).status).toBe(204);
    await api.waitForGone(id);
    expect(await stack.hypervisor(DST).getGuest(id)).toBeUndefined();
  });
});
