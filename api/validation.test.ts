import { z } from 'zod';
import { BadRequest } from './errors';
import { parseWith } from './validation';

const body = z.strictObject({ adminPass: z.string().optional(), name: z.string().optional() }).nullable();

function messageOf(input: unknown): string {
  try {
    parseWith(body, input);
  } catch (err) {
    if (err instanceof BadRequest) return err.message;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('parseWith', () => {
  it("quotes the offending value in Nova's format", () => {
    expect(messageOf({ name: 7 })).toMatch(/^Invalid input for field\/attribute name\. Value: 7\. /);
  });

  it('masks an admin password in a quoted object (4xx messages are logged)', () => {
    const message = messageOf({ adminPass: 'hunter2-secret', extra: 1 });
    expect(message).toBe(
      'Invalid input for field/attribute the request body. Value: {"adminPass":"***","extra":1}. ' +
        "Additional properties are not allowed ('extra' was unexpected)",
    );
  });

  it('masks an admin password that is itself the offending value', () => {
    const message = messageOf({ adminPass: ['hunter2-secret'] });
    expect(message).toMatch(/^Invalid input for field\/attribute adminPass\. Value: \*\*\*\. /);
    expect(message).not.toContain('hunter2');
  });

  it("names an action's value by its key, as Nova names the body's field", () => {
    expect(() => parseWith(body, 'please', 'rescue')).toThrow(
      /^Invalid input for field\/attribute rescue\. Value: please\. /,
    );
    expect(() => parseWith(body, { extra: 1 }, 'rescue')).toThrow(
      'Invalid input for field/attribute rescue. Value: {"extra":1}. Additional properties are not allowed (\'extra\' was unexpected)',
    );
  });

  it("reports a missing field as jsonschema's required, on the object that lacks it", () => {
    const reboot = z.strictObject({ type: z.enum(['HARD', 'SOFT']) });
    expect(() => parseWith(reboot, {}, 'reboot')).toThrow(
      "Invalid input for field/attribute reboot. Value: {}. 'type' is a required property",
    );
    const nested = z.strictObject({ server: z.strictObject({ name: z.string() }) });
    // Missing from the body itself: jsonschema's error has no path, and Nova prints the reason alone.
    expect(() => parseWith(nested, {})).toThrow(/^'server' is a required property$/);
    expect(() => parseWith(nested, { server: { other: 1 } })).toThrow(
      'Invalid input for field/attribute server. Value: {"other":1}. \'name\' is a required property',
    );
  });

  it("lists an enum's values as Nova's jsonschema message does", () => {
    const reset = z.strictObject({ state: z.enum(['active', 'error']) });
    expect(() => parseWith(reset, { state: 'stopped' }, 'os-resetState')).toThrow(
      "Invalid input for field/attribute state. Value: stopped. 'stopped' is not one of ['active', 'error']",
    );
    // jsonschema checks the type before the enum.
    expect(() => parseWith(reset, { state: 3 }, 'os-resetState')).toThrow(
      "Invalid input for field/attribute state. Value: 3. 3 is not of type 'string'",
    );
  });
});
