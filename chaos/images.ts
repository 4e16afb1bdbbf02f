import { SEED_IMAGES } from '../activities/conductor/seed';

/** The seeded base images every run can boot from. */
export const CIRROS_IMAGE_ID = SEED_IMAGES[0]!.id;
export const UBUNTU_IMAGE_ID = SEED_IMAGES[1]!.id;
