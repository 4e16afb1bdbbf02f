import { printable } from './console-output';

describe('printable', () => {
  it('drops control characters as Nova does, keeping tabs and newlines', () => {
    expect(printable('boot\r\n\x1b[32m[  OK  ]\x1b[0m\tdone\x00\n')).toBe('boot\n[32m[  OK  ][0m\tdone\n');
  });
});
