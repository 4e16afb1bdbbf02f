import type { HostSpec } from './test-stack';

/**
 * host-a is four times host-b in every resource, so the weighers make host-a the primary for new servers and
 * host-b the alternate (and the destination of moves).
 */
export const PRIMARY_AND_ALTERNATE: HostSpec[] = [
  { name: 'host-a', vcpus: 64, memoryMb: 131_072, diskGb: 2000 },
  { name: 'host-b' },
];
