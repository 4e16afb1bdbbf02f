import { availabilityZonesSchema, availabilityZonesView, zonesOf, type ComputeServiceRow } from './availability-zone';

const SEEN = new Date('2024-01-02T03:04:05.123Z');
const service = (host: string, overrides: Partial<ComputeServiceRow> = {}): ComputeServiceRow => ({
  host,
  availability_zone: 'nova',
  disabled: false,
  alive: true,
  last_seen_at: SEEN,
  ...overrides,
});

describe('zonesOf', () => {
  it('counts a zone available when any of its hosts is enabled, sorted by name', () => {
    const services = [
      service('h1', { availability_zone: 'zone-b' }),
      service('h2', { availability_zone: 'zone-a' }),
      service('h3', { availability_zone: 'zone-b', disabled: true }),
      service('h4', { availability_zone: 'zone-c', disabled: true }),
    ];
    expect(zonesOf(services)).toEqual({ available: ['zone-a', 'zone-b'], unavailable: ['zone-c'] });
  });
});

describe('availabilityZonesView', () => {
  it("lists zones without hosts in Nova's shape", () => {
    expect(availabilityZonesView([service('h1'), service('h2')], { verbose: false })).toEqual({
      availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }],
    });
  });

  it('lists each enabled host with its nova-compute service in the detail', () => {
    const services = [service('h1'), service('h2', { alive: false }), service('h3', { disabled: true })];
    expect(availabilityZonesView(services, { verbose: true }).availabilityZoneInfo).toEqual([
      {
        zoneName: 'nova',
        zoneState: { available: true },
        hosts: {
          h1: { 'nova-compute': { available: true, active: true, updated_at: '2024-01-02T03:04:05.123000' } },
          h2: { 'nova-compute': { available: false, active: true, updated_at: '2024-01-02T03:04:05.123000' } },
        },
      },
    ]);
  });

  it('shows a zone of disabled hosts as unavailable, with hosts null even in the detail', () => {
    const body = availabilityZonesView([service('h1', { disabled: true, availability_zone: 'az9' })], {
      verbose: true,
    });
    expect(body.availabilityZoneInfo).toEqual([{ zoneName: 'az9', zoneState: { available: false }, hosts: null }]);
  });

  it('is an empty list without hosts', () => {
    expect(availabilityZonesView([], { verbose: false })).toEqual({ availabilityZoneInfo: [] });
  });

  it("matches Nova's response schema", () => {
    const services = [service('h1'), service('h2', { availability_zone: 'other', disabled: true })];
    for (const verbose of [true, false]) {
      expect(() => availabilityZonesSchema.parse(availabilityZonesView(services, { verbose }))).not.toThrow();
    }
  });
});
