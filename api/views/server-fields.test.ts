import { instanceName, sanitizeHostname } from './server-fields';

describe('sanitizeHostname', () => {
  const uuid = '3f9a2c4e-1b2d-4c3e-8f4a-5b6c7d8e9f01';

  it.each([
    ['My Server_1.example', 'my-server-1-example'],
    ['--Hello--', 'hello'],
    ['Ça va?', 'ça-va'],
    ['a'.repeat(70), 'a'.repeat(63)],
  ])('turns %p into %p like Nova', (name, hostname) => {
    expect(sanitizeHostname(name, uuid)).toBe(hostname);
  });

  it('falls back to Server-<uuid> when nothing usable is left', () => {
    expect(sanitizeHostname('日本', uuid)).toBe(`Server-${uuid}`);
  });
});

describe('instanceName', () => {
  it('renders the database id as eight hex digits', () => {
    expect(instanceName('1')).toBe('instance-00000001');
    expect(instanceName('4294967296')).toBe('instance-100000000');
  });
});
