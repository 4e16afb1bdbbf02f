import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import type { ImageRow, InstanceFlavor } from '../../domain/rows';
import type { RebuildServerInput } from '../../workflows/inputs';
import { rebuildServerWorkflow } from '../../workflows/rebuild-server';
import { generateAdminPassword } from '../admin-password';
import { BadRequest, instanceNotFound } from '../errors';
import { selfLinks } from '../links';
import { atLeast, type ApiVersion } from '../microversion';
import { getImage } from '../queries/images';
import { getInstance } from '../queries/instances';
import { getKeyPair } from '../queries/keypairs';
import { isUuid } from '../queries/uuid';
import {
  descriptionParameter,
  fqdnParameter,
  hostnameParameterAt,
  metadata,
  nameParameter,
  userData,
} from '../schemas/create-server';
import { rebuildServerView } from '../views/server';
import { defineAction, guardState, startGuarded, type ActionCall } from './action';

/** Nova's parameter_types.boolean: JSON booleans and their usual spellings as strings. */
const novaBoolean = z.union([
  z.boolean(),
  z.enum(['True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes']),
  z.enum(['False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']),
]);

/** Every field any microversion accepts; `rebuildSchemaAt` keeps those of the request's version. */
const ALL_FIELDS = {
  imageRef: z.string().refine(isUuid, { error: (issue) => `'${String(issue.input)}' is not a 'uuid'` }),
  name: nameParameter.optional(),
  adminPass: z.string().optional(),
  metadata: metadata.optional(),
  preserve_ephemeral: novaBoolean.optional(),
  'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
  accessIPv4: z.ipv4().optional(),
  accessIPv6: z.ipv6().optional(),
  // File injection, gone in 2.57; the fake hypervisor has no file system to inject into.
  personality: z.array(z.strictObject({ path: z.string().max(255), contents: z.string() })).optional(),
  description: descriptionParameter.optional(),
  key_name: z.string().min(1).max(255).nullable().optional(),
  user_data: userData.nullable().optional(),
  hostname: fqdnParameter.optional(),
};
const rebuildBody = z.strictObject(ALL_FIELDS);
export type RebuildBody = z.infer<typeof rebuildBody>;

/** Nova's base_rebuild schemas: description 2.19, key_name 2.54, user_data for personality 2.57, hostname 2.90. */
function rebuildSchemaAt(version: ApiVersion): z.ZodType<RebuildBody> {
  const { personality, description, key_name, user_data, hostname: _fqdn, ...base } = ALL_FIELDS;
  const hostname = hostnameParameterAt(version);
  return z.strictObject({
    ...base,
    ...(atLeast(version, '2.57') ? { user_data } : { personality }),
    ...(atLeast(version, '2.19') ? { description } : {}),
    ...(atLeast(version, '2.54') ? { key_name } : {}),
    ...(hostname ? { hostname: hostname.optional() } : {}),
  }) as z.ZodType<RebuildBody>;
}

const GiB = 1024 ** 3;

/** Nova's flavor-against-image checks (`_validate_flavor_image_nostatus`): memory, then the root disk. */
function checkImageFits(image: ImageRow, flavor: InstanceFlavor): void {
  if (flavor.memory_mb < image.min_ram) throw new BadRequest("Flavor's memory is too small for requested image.");
  const diskBytes = flavor.root_gb * GiB;
  if (diskBytes === 0) return; // root_gb 0: Nova does not check the size
  const imageBytes = Number(image.size_bytes ?? 0);
  if (imageBytes > diskBytes) {
    throw new BadRequest(
      `Flavor's disk is too small for requested image. Flavor disk is ${diskBytes} bytes, image is ${imageBytes} bytes.`,
    );
  }
  if (image.min_disk * GiB > diskBytes) {
    throw new BadRequest(
      "Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is " +
        `${diskBytes} bytes, minimum size is ${image.min_disk * GiB} bytes.`,
    );
  }
}

/**
 * The key pair a rebuild names (2.54): its public key becomes the instance's key_data, as at boot; `null`
 * removes the key. Undefined when the body does not touch it.
 */
async function rebuildKey(call: ActionCall, keyName: string | null | undefined): Promise<string | null | undefined> {
  if (keyName === undefined || keyName === null) return keyName;
  const pair = await getKeyPair(call.sql, call.ctx.userId, keyName);
  if (!pair) throw new BadRequest('Invalid key_name provided.');
  return pair.public_key;
}

/** The record changes the body asks for: absent fields stay, `null` clears description and key_name. */
function changesOf(
  body: RebuildBody,
  imageId: string,
  keyData: string | null | undefined,
): RebuildServerInput['changes'] {
  return {
    imageId,
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.accessIPv4 !== undefined ? { accessIPv4: body.accessIPv4 } : {}),
    ...(body.accessIPv6 !== undefined ? { accessIPv6: body.accessIPv6 } : {}),
    ...(body.key_name !== undefined ? { keyName: body.key_name, keyData } : {}),
    ...(body.user_data !== undefined ? { userData: body.user_data } : {}),
    ...(body['OS-DCF:diskConfig'] !== undefined ? { diskConfig: body['OS-DCF:diskConfig'] } : {}),
    ...(body.hostname !== undefined ? { hostname: body.hostname } : {}),
  };
}

/**
 * rebuild: 202 with the server as it is once the rebuild is admitted (the new image, name and metadata
 * already on it, status REBUILD) and the admin password, given or generated. The password is a secret: it is
 * returned here and goes into no workflow input, history or log. preserve_ephemeral is accepted and has
 * nothing to keep (the fake hypervisor's only disk is the root disk); a hostname (2.90) replaces the stored one.
 * A new key pair and user data (2.57) replace the instance's, for the metadata service.
 */
export const rebuild = defineAction({
  key: 'rebuild',
  policy: 'os_compute_api:servers:rebuild',
  schema: rebuildBody,
  schemaAt: rebuildSchemaAt,
  async handle(body, call) {
    const { instance, ctx } = call;
    guardState(StateRules.rebuild, call);
    const image = await getImage(call.sql, body.imageRef, ctx);
    if (!image) throw new BadRequest('Cannot find image for rebuild');
    if (image.status !== 'active') throw new BadRequest(`Image ${image.id} is not active.`);
    checkImageFits(image, instance.flavor);
    const adminPass = body.adminPass ?? generateAdminPassword();
    const changes = changesOf(body, image.id, await rebuildKey(call, body.key_name));
    await startGuarded(call, {
      rule: StateRules.rebuild,
      workflow: rebuildServerWorkflow,
      input: (base) => ({ ...base, changes, imageSha256: image.store_sha256 }),
      operation: 'rebuild',
      summary:
        `rebuild server ${changes.name ?? instance.name} (${instance.uuid}) from image ${image.name} ` +
        `(${image.id}), requested by ${ctx.userId}`,
    });
    const row = await getInstance(call.sql, instance.uuid, ctx);
    if (!row) throw instanceNotFound(instance.uuid);
    const server = rebuildServerView(row, { baseUrl: call.baseUrl, version: call.version, isAdmin: ctx.isAdmin });
    server['adminPass'] = adminPass;
    if (atLeast(call.version, '2.57')) server['user_data'] = row.user_data ?? null;
    return {
      status: 202,
      body: { server },
      location: selfLinks(call.baseUrl, 'servers', instance.uuid)[0]!.href,
    };
  },
});
