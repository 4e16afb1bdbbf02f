import { instanceName } from './server-fields';

describe('instanceName', () => {
  it('renders the database id as eight hex digits', () => {
    expect(instanceName('1')).toBe('instance-00000001');
    expect(instanceName('4294967296')).toBe('instance-100000000');
  });
});
