import { z } from 'zod';

// Nova's nova/api/validation/parameter_types.py, for request bodies and query strings alike.

// parameter_types.boolean: jsonschema checks the enum before oslo's bool_from_string reads it.
const TRUE_VALUES = ['True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes'];
const FALSE_VALUES = ['False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'];
const ENUM_TEXT = `[True, ${TRUE_VALUES.map((v) => `'${v}'`).join(', ')}, False, ${FALSE_VALUES.map((v) => `'${v}'`).join(', ')}]`;

function booleanOf(value: unknown, ctx: z.RefinementCtx): boolean {
  if (value === true || (typeof value === 'string' && TRUE_VALUES.includes(value))) return true;
  if (value === false || (typeof value === 'string' && FALSE_VALUES.includes(value))) return false;
  const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  ctx.issues.push({ code: 'custom', input: value, message: `${shown} is not one of ${ENUM_TEXT}` });
  return z.NEVER as never;
}

/** parameter_types.boolean in a query string: one of the enum's strings. */
export const booleanQuery = z.string().transform(booleanOf);

/** parameter_types.boolean in a body: true, false or one of the enum's strings. */
export const booleanBody = z.unknown().transform(booleanOf);

/** parameter_types.fqdn: a host name. */
export const hostnamePattern = z
  .string()
  .min(1, { error: (issue) => `'${String(issue.input)}' is too short` })
  .max(255, { error: (issue) => `'${String(issue.input)}' is too long` })
  .regex(/^[a-zA-Z0-9-._]*$/, { error: (issue) => `'${String(issue.input)}' does not match '^[a-zA-Z0-9-._]*$'` });
