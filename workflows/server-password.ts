import type { ServerPasswordPostOutcome } from '../domain/server-password';
import { conductorOn } from './activities';
import type { ClearServerPasswordInput, PostServerPasswordInput } from './inputs';

// os-server-password is no operation on the server: Nova writes it in any state, mid-migration too, and records
// no instance action. So these runs do not take the instance's workflow ID; each is one conductor write.

/** A guest posts the password it generated, encrypted with the server's key, to the metadata service. */
export async function postServerPasswordWorkflow(input: PostServerPasswordInput): Promise<ServerPasswordPostOutcome> {
  return conductorOn(input.settings).storeServerPassword({
    instanceUuid: input.instanceUuid,
    password: input.password,
  });
}

/** DELETE /servers/{id}/os-server-password; whether the server was there (the API answers 404 when not). */
export async function clearServerPasswordWorkflow(input: ClearServerPasswordInput): Promise<boolean> {
  return conductorOn(input.settings).clearServerPassword({ instanceUuid: input.instanceUuid });
}
