import { z } from 'zod';
import { atLeast, type ApiVersion } from '../microversion';
import { descriptionParameter, fqdnParameter, hostnameParameterAt, nameParameter } from './create-server';

/** Every field any microversion accepts in `PUT /servers/{id}`; `updateServerBodyAt` keeps those of a request's. */
const ALL_FIELDS = {
  name: nameParameter.optional(),
  'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
  accessIPv4: z.ipv4().optional(),
  accessIPv6: z.ipv6().optional(),
  description: descriptionParameter.optional(),
  hostname: fqdnParameter.optional(),
};
const latestBody = z.strictObject({ server: z.strictObject(ALL_FIELDS) });
export type UpdateServerBody = z.infer<typeof latestBody>;

/** Nova's update schemas, strict: description from 2.19, hostname from 2.90 (a short name), an FQDN from 2.94. */
export function updateServerBodyAt(version: ApiVersion): z.ZodType<UpdateServerBody> {
  if (atLeast(version, '2.94')) return latestBody;
  const { description, hostname: _fqdn, ...base } = ALL_FIELDS;
  const hostname = hostnameParameterAt(version);
  const server = z.strictObject({
    ...base,
    ...(atLeast(version, '2.19') ? { description } : {}),
    ...(hostname ? { hostname: hostname.optional() } : {}),
  });
  return z.strictObject({ server }) as z.ZodType<UpdateServerBody>;
}
