import { loadApiConfig, loadIdentitySeed } from '../../config';

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

  it("takes Nova's service_down_time for service states and evacuate's check", () => {
    expect(loadApiConfig(base).serviceDownTimeMs).toBe(60_000);
    expect(loadApiConfig({ ...base, NOVA_SERVICE_DOWN_TIME_S: '30' }).serviceDownTimeMs).toBe(30_000);
  });

  it('seeds admin/admin and demo/demo unless passwords are given', () => {
    expect(loadIdentitySeed({})).toEqual({ adminPassword: 'admin', demoPassword: 'demo' });
    expect(loadIdentitySeed({ NOVA_ADMIN_PASSWORD: 'x', NOVA_DEMO_PASSWORD: 'y' })).toEqual({
      adminPassword: 'x',
      demoPassword: 'y',
    });
  });
});
