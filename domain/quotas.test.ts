import { DEFAULT_QUOTAS, overQuotaMessage, withOverrides } from './quotas';

describe('overQuotaMessage', () => {
  const none = { instances: 0, cores: 0, ram: 0 };
  const tiny = { instances: 1, cores: 1, ram: 512 };

  it('lets a request through while every counted resource stays within its limit', () => {
    expect(overQuotaMessage(DEFAULT_QUOTAS, { instances: 9, cores: 19, ram: 50688 }, tiny)).toBeNull();
  });

  it("names the one resource that would pass its limit, as Nova's OverQuota does", () => {
    expect(overQuotaMessage(DEFAULT_QUOTAS, { instances: 10, cores: 10, ram: 5120 }, tiny)).toBe(
      'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances',
    );
  });

  it('lists several resources in sorted order', () => {
    const big = { instances: 1, cores: 8, ram: 16384 };
    expect(overQuotaMessage(DEFAULT_QUOTAS, { instances: 2, cores: 16, ram: 40960 }, big)).toBe(
      'Quota exceeded for cores, ram: Requested 8, 16384, but already used 16, 40960 of 20, 51200 cores, ram',
    );
  });

  it('treats -1 as unlimited', () => {
    const unlimited = withOverrides([{ resource: 'instances', hard_limit: -1 }]);
    expect(overQuotaMessage(unlimited, { ...none, instances: 5000 }, tiny)).toBeNull();
  });
});

describe('withOverrides', () => {
  it('lays project limits over the defaults and ignores unknown resources', () => {
    const quotas = withOverrides([
      { resource: 'cores', hard_limit: 4 },
      { resource: 'gpus', hard_limit: 1 },
    ]);
    expect(quotas).toEqual({ ...DEFAULT_QUOTAS, cores: 4 });
  });
});
