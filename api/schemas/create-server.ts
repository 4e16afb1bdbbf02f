import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';

/**
 * Nova's printable characters (parameter_types._is_printable): no control, format, unassigned or private-use
 * characters, and of the separators only spaces; a newline in a name would break every client's table. A
 * refinement, not a pattern: OpenAPI tools do not all read Unicode property escapes.
 */
const PRINTABLE = /^[^\p{C}\p{Zl}\p{Zp}]*$/u;

/** Nova's `name` parameter (servers, snapshots...): 1–255 printable characters, no leading or trailing whitespace. */
export const nameParameter = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => PRINTABLE.test(s), { message: 'Names must be printable characters.' })
  .refine((s) => s.trim() === s, { message: 'Names must not have leading or trailing whitespace.' });

/** Nova's `description` parameter (2.19): up to 255 printable characters; null removes it. */
export const descriptionParameter = z
  .string()
  .max(255)
  .refine((s) => PRINTABLE.test(s), { message: 'Descriptions must be printable characters.' })
  .nullable();

/** Nova's hostname parameter (2.90–2.93): a short name. */
export const shortHostnameParameter = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$/);

/** Nova's fqdn parameter (2.94 on); it allows underscores, which real systems have. */
export const fqdnParameter = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9-._]*$/);

/** The hostname a create, update or rebuild takes at a microversion: none before 2.90. */
export function hostnameParameterAt(version: ApiVersion): z.ZodString | undefined {
  if (atLeast(version, '2.94')) return fqdnParameter;
  return atLeast(version, '2.90') ? shortHostnameParameter : undefined;
}

export const metadata = z.record(z.string().min(1).max(255), z.string().max(255));

const networks = z.union([
  z.literal('auto'),
  z.literal('none'),
  z.array(
    z.strictObject({
      uuid: z.string().optional(),
      port: z.string().nullable().optional(),
      fixed_ip: z.string().optional(),
      tag: z.string().optional(),
    }),
  ),
]);

/** Nova's base64 rule for user_data: standard alphabet, padded, at most 65535 encoded bytes. */
export const userData = z
  .string()
  .max(65535)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'user_data must be base64 encoded')
  .refine((s) => s.length % 4 === 0, 'user_data must be base64 encoded');

/** One entry of `block_device_mapping_v2` (Nova's block_device_mapping_new_item); clients send it for plain boots. */
const blockDeviceMapping = z.strictObject({
  source_type: z.enum(['image', 'volume', 'snapshot', 'blank']).optional(),
  destination_type: z.enum(['local', 'volume']).optional(),
  uuid: z.string().max(255).optional(),
  boot_index: z.union([z.number().int(), z.string().regex(/^-?[0-9]+$/), z.null()]).optional(),
  delete_on_termination: z.boolean().optional(),
  volume_size: z.union([z.number().int().positive(), z.string().regex(/^[0-9]+$/)]).optional(),
  device_name: z.string().max(255).optional(),
  device_type: z.string().max(255).optional(),
  disk_bus: z.string().max(255).optional(),
  guest_format: z.string().max(255).optional(),
  no_device: z.boolean().optional(),
  tag: z.string().max(60).optional(),
  volume_type: z.string().max(255).nullable().optional(),
});
export type BlockDeviceMapping = z.infer<typeof blockDeviceMapping>;

/** The `server` object of `POST /servers`, strict like Nova's schema (unknown fields are a 400). */
export const createServerFields = z.strictObject({
  name: nameParameter,
  imageRef: z.string().max(2048).optional(),
  flavorRef: z.union([z.string().min(1).max(2048), z.number().int().positive()]),
  metadata: metadata.optional(),
  networks: networks.optional(),
  key_name: z.string().min(1).max(255).optional(),
  availability_zone: z.string().min(1).max(255).optional(),
  description: descriptionParameter.optional(),
  adminPass: z.string().optional(),
  'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
  security_groups: z.array(z.strictObject({ name: z.string() })).optional(),
  user_data: userData.optional(),
  config_drive: z.boolean().optional(),
  min_count: z.coerce.number().int().positive().optional(),
  max_count: z.coerce.number().int().positive().optional(),
  return_reservation_id: z.boolean().optional(),
  accessIPv4: z.ipv4().optional(),
  accessIPv6: z.ipv6().optional(),
  tags: z.array(z.string().max(60)).max(50).optional(),
  // Checked against the request's microversion by the route (hostnameParameterAt): none before 2.90.
  hostname: z.string().max(255).optional(),
  block_device_mapping_v2: z.array(blockDeviceMapping).optional(),
});

export const createServerBody = z.strictObject({
  server: createServerFields,
  'OS-SCH-HNT:scheduler_hints': z.record(z.string(), z.unknown()).optional(),
  'os:scheduler_hints': z.record(z.string(), z.unknown()).optional(),
});
export type CreateServerBody = z.infer<typeof createServerBody>;

/** The id at the end of a reference that may be a bare id or a URL (`.../flavors/<id>`). */
export function idFromRef(ref: string | number): string {
  const text = String(ref).trim();
  const tail = text
    .split('/')
    .filter((part) => part.length > 0)
    .pop();
  return tail ?? text;
}

/** Nova's InvalidBDM message prefix. */
const INVALID_BDM = 'Block Device Mapping is Invalid: ';

/**
 * The image a create boots from: `imageRef`, or the image-to-local entry at boot index 0 of
 * `block_device_mapping_v2` (what openstackclient sends alongside imageRef). This cloud has no block storage,
 * so volume, snapshot and blank mappings are refused.
 */
export function bootImageId(server: {
  imageRef?: string | undefined;
  block_device_mapping_v2?: BlockDeviceMapping[];
}): {
  imageId: string;
  message?: string;
} {
  const fromRef = server.imageRef ? idFromRef(server.imageRef) : undefined;
  let fromBdm: string | undefined;
  for (const bdm of server.block_device_mapping_v2 ?? []) {
    if (bdm.source_type !== 'image' || (bdm.destination_type ?? 'local') !== 'local') {
      return { imageId: '', message: `${INVALID_BDM}volume-backed and blank devices are not supported by this cloud.` };
    }
    if (String(bdm.boot_index ?? '') === '0') fromBdm = bdm.uuid;
  }
  if (fromRef !== undefined && fromBdm !== undefined && fromRef !== fromBdm) {
    return {
      imageId: '',
      message: `${INVALID_BDM}Boot sequence for the instance and image/block device mapping combination is not valid.`,
    };
  }
  return { imageId: fromRef ?? fromBdm ?? '' };
}
