import { loadApiConfig, loadIdentitySeed, loadOperationSettings } from '../../config';

describe('loadApiConfig auth', () => {
  const base = { DATABASE_URL: 'postgres://localhost/nova' };

  it('authenticates with keystone tokens of one hour unless noauth2 is configured explicitly', () => {
    expect(loadApiConfig(base).auth).toEqual({ strategy: 'keystone', tokenLifetimeMs: 3_600_000 });
    expect(loadApiConfig({ ...base, NOVA_AUTH_STRATEGY: 'noauth2', NOVA_TOKEN_LIFETIME_S: '60' }).auth).toEqual({
      strategy: 'noauth2',
      tokenLifetimeMs: 60_000,
    });
    expect(() => loadApiConfig({ ...base, NOVA_AUTH_STRATEGY: 'none' })).toThrow();
  });

  it('seeds admin/admin and demo/demo unless passwords are given', () => {
    expect(loadIdentitySeed({})).toEqual({ adminPassword: 'admin', demoPassword: 'demo' });
    expect(loadIdentitySeed({ NOVA_ADMIN_PASSWORD: 'x', NOVA_DEMO_PASSWORD: 'y' })).toEqual({
      adminPassword: 'x',
      demoPassword: 'y',
    });
  });
});

describe('loadOperationSettings shelved_offload_time', () => {
  it("offloads at once by default, after the given seconds, or never for a negative value, as Nova's knob", () => {
    expect(loadOperationSettings({}).shelvedOffloadTimeMs).toBe(0);
    expect(loadOperationSettings({ NOVA_SHELVED_OFFLOAD_TIME_S: '90' }).shelvedOffloadTimeMs).toBe(90_000);
    expect(loadOperationSettings({ NOVA_SHELVED_OFFLOAD_TIME_S: '-1' }).shelvedOffloadTimeMs).toBe(-1);
    expect(loadOperationSettings({ NOVA_SHELVED_OFFLOAD_TIME_S: '-5' }).shelvedOffloadTimeMs).toBe(-1);
  });
});
