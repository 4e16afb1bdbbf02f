import { hostnameOf, sanitizeHostname } from './hostname';

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

describe('hostnameOf', () => {
  const uuid = '3f9a2c4e-1b2d-4c3e-8f4a-5b6c7d8e9f01';

  it('shows the stored hostname, whatever the name has become', () => {
    expect(hostnameOf({ hostname: 'db-primary.example.org', name: 'Renamed Server', uuid })).toBe(
      'db-primary.example.org',
    );
  });

  it('derives it from the name for a row stored without one', () => {
    expect(hostnameOf({ hostname: null, name: 'My Server', uuid })).toBe('my-server');
  });
});
