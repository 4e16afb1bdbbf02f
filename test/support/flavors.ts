import type { InstanceFlavor } from '../../domain/rows';

/** m1.tiny as an instance carries it (activities/conductor/seed.ts seeds the flavor). */
export const TINY_FLAVOR: InstanceFlavor = {
  id: '1',
  name: 'm1.tiny',
  vcpus: 1,
  memory_mb: 512,
  root_gb: 1,
  ephemeral_gb: 0,
  swap_mb: 0,
  extra_specs: {},
};
