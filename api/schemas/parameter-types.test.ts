import { booleanBody, booleanQuery, hostnamePattern } from './parameter-types';

describe("Nova's parameter types", () => {
  it('reads booleans from JSON and from the enum strings, and nothing else', () => {
    expect(booleanBody.parse(true)).toBe(true);
    expect(booleanBody.parse('False')).toBe(false);
    expect(booleanBody.parse('yes')).toBe(true);
    expect(booleanBody.safeParse('maybe').success).toBe(false);
    expect(booleanBody.safeParse(1).success).toBe(false);
    expect(booleanQuery.parse('0')).toBe(false);
    expect(booleanQuery.safeParse('y').error?.issues[0]?.message).toMatch(/^'y' is not one of \[True, 'True'/);
  });

  it('accepts host names of letters, digits, dots, dashes and underscores', () => {
    expect(hostnamePattern.parse('host-1.example_a')).toBe('host-1.example_a');
    expect(hostnamePattern.safeParse('host 1').success).toBe(false);
    expect(hostnamePattern.safeParse('').success).toBe(false);
  });
});
