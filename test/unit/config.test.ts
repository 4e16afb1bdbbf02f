import {
  loadApiConfig,
  loadComputeConfig,
  loadConductorConfig,
  loadIdentitySeed,
  loadMetadataConfig,
  loadOperationSettings,
} from '../../config';

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

describe('metadata service configuration', () => {
  const secret = 'a'.repeat(32);

  it('refuses to configure the service without a shared secret of at least 16 characters', () => {
    expect(() => loadMetadataConfig({})).toThrow(/NOVA_METADATA_SECRET is required/);
    expect(() => loadMetadataConfig({ NOVA_METADATA_SECRET: 'short' })).toThrow(/at least 16/);
    expect(loadMetadataConfig({ NOVA_METADATA_SECRET: secret })).toEqual({
      port: 8775,
      bindAddress: '127.0.0.1',
      secret,
      cacheExpirationMs: 15_000,
      dhcpDomain: 'novalocal',
    });
  });

  it("gives a host its proxy only with both the service's URL and the secret", () => {
    const host = { NOVA_COMPUTE_HOST: 'host-1' };
    expect(loadComputeConfig(host).metadataProxy).toBeUndefined();
    expect(
      loadComputeConfig({ ...host, NOVA_METADATA_URL: 'http://10.0.0.1:8775', NOVA_METADATA_SECRET: secret })
        .metadataProxy,
    ).toEqual({ url: 'http://10.0.0.1:8775', secret });
    expect(() => loadComputeConfig({ ...host, NOVA_METADATA_SECRET: secret })).toThrow(/NOVA_METADATA_URL/);
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

describe('loadConductorConfig image sweep', () => {
  const base = { DATABASE_URL: 'postgres://localhost/nova' };

  it('sweeps the image store unless NOVA_IMAGE_SWEEP turns it off, and refuses a value that is not a boolean', () => {
    expect(loadConductorConfig(base).imageSweep).toBe(true);
    expect(loadConductorConfig({ ...base, NOVA_IMAGE_SWEEP: 'false' }).imageSweep).toBe(false);
    expect(() => loadConductorConfig({ ...base, NOVA_IMAGE_SWEEP: 'sometimes' })).toThrow();
  });
});
