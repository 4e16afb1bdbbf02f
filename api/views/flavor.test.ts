import type { FlavorRow } from '../../domain/rows';
import type { ApiVersion } from '../microversion';
import { TINY_FLAVOR } from '../../test/support/flavors';
import { flavorDetailView, flavorSummaryView } from './flavor';

const ROOT = 'http://nova.test';
const at = (minor: number): { baseUrl: string; version: ApiVersion } => ({
  baseUrl: ROOT,
  version: { major: 2, minor },
});

const tiny: FlavorRow = {
  ...TINY_FLAVOR,
  rxtx_factor: 1,
  is_public: true,
  disabled: false,
  description: null,
  extra_specs: { 'hw:cpu_policy': 'shared' },
};

describe('flavorSummaryView', () => {
  it('gives id, name and links before 2.55', () => {
    expect(flavorSummaryView(tiny, at(1))).toEqual({
      id: '1',
      name: 'm1.tiny',
      links: [
        { rel: 'self', href: `${ROOT}/v2.1/flavors/1` },
        { rel: 'bookmark', href: `${ROOT}/flavors/1` },
      ],
    });
  });

  it('adds the description from 2.55, null when unset', () => {
    expect(flavorSummaryView(tiny, at(55))).toHaveProperty('description', null);
  });
});

describe('flavorDetailView', () => {
  it('shows the 2.1 fields with swap as an empty string for no swap', () => {
    expect(flavorDetailView(tiny, at(1))).toEqual({
      id: '1',
      name: 'm1.tiny',
      ram: 512,
      disk: 1,
      swap: '',
      'OS-FLV-EXT-DATA:ephemeral': 0,
      'OS-FLV-DISABLED:disabled': false,
      vcpus: 1,
      'os-flavor-access:is_public': true,
      rxtx_factor: 1,
      links: flavorSummaryView(tiny, at(1))['links'],
    });
  });

  it('keeps a non-zero swap as a number', () => {
    expect(flavorDetailView({ ...tiny, swap_mb: 512 }, at(1))['swap']).toBe(512);
  });

  it('shows swap 0 from 2.75', () => {
    expect(flavorDetailView(tiny, at(75))['swap']).toBe(0);
  });

  it('adds description at 2.55 and extra_specs at 2.61', () => {
    expect(flavorDetailView(tiny, at(55))).not.toHaveProperty('extra_specs');
    expect(flavorDetailView(tiny, at(61))).toMatchObject({
      description: null,
      extra_specs: { 'hw:cpu_policy': 'shared' },
    });
  });

  it('still shows rxtx_factor and disabled at 2.100', () => {
    expect(flavorDetailView(tiny, at(100))).toMatchObject({ rxtx_factor: 1, 'OS-FLV-DISABLED:disabled': false });
  });
});
