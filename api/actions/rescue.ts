import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { rescueServerWorkflow } from '../../workflows/rescue-server';
import { generateAdminPassword } from '../admin-password';
import { BadRequest } from '../errors';
import { getImage } from '../queries/images';
import { isUuid } from '../queries/uuid';
import { defineAction, guardState, startGuarded, type ActionCall } from './action';

/** Nova's `image_id` parameter type: a string in uuid format. */
const imageRef = z.string().refine(isUuid, { error: (issue) => `'${String(issue.input)}' is not a 'uuid'` });

/** `null` or an object; Nova does not limit the password's length or alphabet. */
const rescueBody = z
  .strictObject({ adminPass: z.string().optional(), rescue_image_ref: imageRef.optional() })
  .nullable();
export type RescueBody = z.infer<typeof rescueBody>;

/** The image the rescue disk comes from: the one named (it must exist, else Nova's 400), or the server's own. */
async function rescueImage(call: ActionCall, ref: string | undefined): Promise<string> {
  const { instance } = call;
  if (ref !== undefined) {
    if (!(await getImage(call.sql, ref, call.ctx)))
      throw new BadRequest(`Requested rescue image '${ref}' is not supported`);
    return ref;
  }
  if (!instance.image_id) {
    throw new BadRequest(`Instance ${instance.uuid} cannot be rescued: Cannot rescue a volume-backed instance`);
  }
  return instance.image_id;
}

/**
 * rescue: 200 with the admin password (given or generated) once the operation is admitted. The password is
 * only returned: it is a secret, so it goes into no workflow input, history or log.
 */
export const rescue = defineAction({
  key: 'rescue',
  policy: 'os_compute_api:os-rescue',
  schema: rescueBody,
  async handle(body, call) {
    guardState(StateRules.rescue, call);
    const rescueImageId = await rescueImage(call, body?.rescue_image_ref);
    const adminPass = body?.adminPass ?? generateAdminPassword();
    await startGuarded(call, {
      rule: StateRules.rescue,
      workflow: rescueServerWorkflow,
      input: (base) => ({ ...base, rescueImageId }),
      operation: 'rescue',
    });
    return { status: 200, body: { adminPass } };
  },
});
