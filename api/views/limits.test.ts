import type { ApiVersion } from '../microversion';
import { DEFAULT_QUOTAS } from '../../domain/quotas';
import { limitsSchema, limitsView } from './limits';

const at = (minor: number): ApiVersion => ({ major: 2, minor });
const none = { instances: 0, cores: 0, ram: 0 };

describe('limitsView', () => {
  it("reproduces Nova's 2.1 api sample for a project with nothing", () => {
    expect(limitsView(DEFAULT_QUOTAS, none, at(1))).toEqual({
      limits: {
        absolute: {
          maxImageMeta: 128,
          maxPersonality: 5,
          maxPersonalitySize: 10240,
          maxSecurityGroupRules: -1,
          maxSecurityGroups: -1,
          maxServerMeta: 128,
          maxTotalCores: 20,
          maxTotalFloatingIps: -1,
          maxTotalInstances: 10,
          maxTotalKeypairs: 100,
          maxTotalRAMSize: 51200,
          maxServerGroups: 10,
          maxServerGroupMembers: 10,
          totalCoresUsed: 0,
          totalInstancesUsed: 0,
          totalRAMUsed: 0,
          totalSecurityGroupsUsed: 0,
          totalFloatingIpsUsed: 0,
          totalServerGroupsUsed: 0,
        },
        rate: [],
      },
    });
  });

  it("reproduces Nova's 2.57 api sample: no network, personality or image-meta limits", () => {
    expect(limitsView(DEFAULT_QUOTAS, none, at(57)).limits.absolute).toEqual({
      maxServerMeta: 128,
      maxTotalCores: 20,
      maxTotalInstances: 10,
      maxTotalKeypairs: 100,
      maxTotalRAMSize: 51200,
      maxServerGroups: 10,
      maxServerGroupMembers: 10,
      totalCoresUsed: 0,
      totalInstancesUsed: 0,
      totalRAMUsed: 0,
      totalServerGroupsUsed: 0,
    });
  });

  it('drops network limits at 2.36 and maxImageMeta at 2.39', () => {
    const v236 = limitsView(DEFAULT_QUOTAS, none, at(36)).limits.absolute;
    expect(v236).not.toHaveProperty('maxTotalFloatingIps');
    expect(v236).not.toHaveProperty('totalSecurityGroupsUsed');
    expect(v236).toHaveProperty('maxImageMeta', 128);
    expect(v236).toHaveProperty('maxPersonality', 5);
    expect(limitsView(DEFAULT_QUOTAS, none, at(39)).limits.absolute).not.toHaveProperty('maxImageMeta');
  });

  it('reports the usage it is given', () => {
    const absolute = limitsView(DEFAULT_QUOTAS, { instances: 2, cores: 3, ram: 2560 }, at(100)).limits.absolute;
    expect(absolute).toMatchObject({ totalInstancesUsed: 2, totalCoresUsed: 3, totalRAMUsed: 2560 });
  });
});

describe('limitsSchema', () => {
  it('rejects a limit from an older microversion', () => {
    expect(() => limitsSchema(at(57)).parse(limitsView(DEFAULT_QUOTAS, none, at(57)))).not.toThrow();
    expect(() => limitsSchema(at(57)).parse(limitsView(DEFAULT_QUOTAS, none, at(1)))).toThrow();
  });
});
