import { expectAuditClean } from '../support/audit';
import { useTestStack } from '../support/use-test-stack';

// Found in the bench's scheduler analysis: an operation claimed only among the scheduler's maxAttempts (3)
// candidates, so a burst of creates that all ranked the same three empty hosts first filled them and the rest
// failed NoValidHost while other hosts had room. Nova's scheduler claims down its whole weighed list. Now one
// scheduler step ranks every host and claims the first that still has room, whatever concurrent claims took.

/** Nova's default reserved_host_memory_mb: each host fits two 512 MB m1.tiny servers. */
const HOST = { memoryMb: 512 + 2 * 512 };
const HOSTS = Array.from({ length: 6 }, (_, i) => ({ name: `host-${i + 1}`, ...HOST }));
const env = useTestStack({ hosts: HOSTS });

it('places a burst of creates past the top-ranked hosts once they are full, without over-committing any', async () => {
  const burst = 10; // more than the three top-ranked hosts hold (6), fewer than the cloud (12)
  const ids = await Promise.all(Array.from({ length: burst }, (_, i) => env.api.createServer({ name: `burst-${i}` })));
  const servers = await Promise.all(
    ids.map((id) => env.api.waitForServer(id, (s) => s.status === 'ACTIVE' || s.status === 'ERROR', 60_000)),
  );
  expect(servers.map((s) => [s.status, s.fault?.message])).toEqual(ids.map(() => ['ACTIVE', undefined]));
  const perHost = new Map<string, number>();
  for (const s of servers) {
    const host = s['OS-EXT-SRV-ATTR:host'] as string;
    perHost.set(host, (perHost.get(host) ?? 0) + 1);
  }
  expect([...perHost.values()].every((n) => n <= 2)).toBe(true);
  expect(perHost.size).toBeGreaterThan(3);
  await expectAuditClean(env.api);
});
