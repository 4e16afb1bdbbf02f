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
});
