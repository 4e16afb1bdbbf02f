import { z } from 'zod';
import { SERVER_ACTIONS } from '../actions';
import { atLeast, type ApiVersion } from '../microversion';
import { rebuildBodySchema } from '../views/server-schema';

/**
 * The body of POST /servers/{id}/action at a microversion: exactly one of the registered actions, each with the
 * schema the router parses it with.
 */
export function serverActionBody(version: ApiVersion): z.ZodType {
  const options = [...SERVER_ACTIONS.values()]
    .filter((action) => !action.minVersion || atLeast(version, action.minVersion))
    .map((action) => z.strictObject({ [action.key]: action.schemaAt?.(version) ?? action.schema }));
  return z.union(options);
}

const adminPass = z.strictObject({ adminPass: z.string() });

const consoleOutput = z.strictObject({ output: z.string() });

/** 200: rescue's password, evacuate's before 2.14 (or nothing from then on), or os-getConsoleOutput's console. */
export function serverActionOkBody(version: ApiVersion): z.ZodType {
  return z.union([atLeast(version, '2.14') ? adminPass.optional() : adminPass, consoleOutput]);
}

/** 202: rebuild's server, createImage's image id from 2.45, or no body. */
export function serverActionAcceptedBody(version: ApiVersion): z.ZodType {
  const rebuilt = z.strictObject({ server: rebuildBodySchema(version) });
  if (!atLeast(version, '2.45')) return rebuilt;
  return z.union([rebuilt, z.strictObject({ image_id: z.string() })]);
}
