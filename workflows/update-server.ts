import { conductorOn } from './activities';
import type { UpdateServerInput } from './inputs';

/**
 * PUT /servers/{id} (name, description, access IPs, disk config, hostname): one conductor write. Nova allows it in any
 * state, even during a migration, so the run does not take the instance's workflow ID: it neither waits for the
 * operation holding the instance nor holds off the next one. Nova records no instance action for it. Whether the
 * server was there to update; the API answers 404 when it was not.
 */
export async function updateServerWorkflow(input: UpdateServerInput): Promise<boolean> {
  return conductorOn(input.settings).updateServerRecord({ instanceUuid: input.instanceUuid, changes: input.changes });
}
