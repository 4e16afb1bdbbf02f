import { allHandlersFinished, condition } from '@temporalio/workflow';
import { conductorOn } from './activities';
import { AdmissionGate } from './admission';
import type { UpdateMetadataInput } from './inputs';

/**
 * Server metadata (POST/PUT /metadata, PUT/DELETE /metadata/{key}): one conductor write, which is also the
 * admission, so a state Nova refuses is the API's 409. It runs under the instance's workflow ID like every
 * operation, so it never interleaves with one. Nova records no instance action for it, and neither do we.
 */
export async function updateMetadataWorkflow(input: UpdateMetadataInput): Promise<void> {
  const gate = new AdmissionGate();
  const conductor = conductorOn(input.settings);
  await gate.admit(() =>
    conductor.updateInstanceMetadata({
      instanceUuid: input.instanceUuid,
      isAdmin: input.requester.isAdmin === true,
      ...input.change,
    }),
  );
  // The API waits on the admission update: let it complete before the run closes.
  await condition(allHandlersFinished);
}
