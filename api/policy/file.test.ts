import { InvalidPolicyFile, parsePolicyOverrides } from './file';

describe('policy overrides', () => {
  it('reads rule kinds and the oslo.policy spellings of them', () => {
    const overrides = parsePolicyOverrides(
      JSON.stringify({
        'os_compute_api:os-hypervisors:list': 'project_reader_or_admin',
        'os_compute_api:servers:create': 'rule:admin_api',
        'os_compute_api:limits': '@',
        'os_compute_api:os-evacuate': '!',
      }),
    );
    expect(overrides).toEqual({
      'os_compute_api:os-hypervisors:list': 'project_reader_or_admin',
      'os_compute_api:servers:create': 'admin',
      'os_compute_api:limits': 'any',
      'os_compute_api:os-evacuate': 'nobody',
    });
  });

  it('refuses an unknown rule name, so a typo cannot silently leave the default in force', () => {
    expect(() => parsePolicyOverrides('{"os_compute_api:servers:craete": "admin"}')).toThrow(
      new InvalidPolicyFile('policy file: unknown rule os_compute_api:servers:craete'),
    );
  });

  it('refuses checks it cannot evaluate and files that are not a JSON object of strings', () => {
    expect(() => parsePolicyOverrides('{"os_compute_api:limits": "role:auditor"}')).toThrow(InvalidPolicyFile);
    expect(() => parsePolicyOverrides('{"os_compute_api:limits": 1}')).toThrow(InvalidPolicyFile);
    expect(() => parsePolicyOverrides('limits: admin')).toThrow(InvalidPolicyFile);
  });
});
