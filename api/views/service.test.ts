import { serviceUuid } from './hypervisor-ids';
import { serviceUpdateSchema, serviceView, servicesListSchema, type ServiceRow } from './service';

const at = (minor: number) => ({ major: 2, minor });
const row: ServiceRow = {
  host: 'host-1',
  ordinal: 3,
  availability_zone: 'nova',
  disabled: true,
  disabled_reason: 'maintenance',
  forced_down: true,
  alive: false,
  updated_at: new Date('2024-01-02T03:04:05.678Z'),
};

describe('serviceView', () => {
  it("renders Nova's 2.1 fields: integer id, status from disabled, state from liveness, no forced_down", () => {
    const body = serviceView(row, at(1));
    expect(body).toEqual({
      binary: 'nova-compute',
      host: 'host-1',
      id: 3,
      zone: 'nova',
      status: 'disabled',
      state: 'down',
      updated_at: '2024-01-02T03:04:05.678000',
      disabled_reason: 'maintenance',
    });
    expect(() => servicesListSchema(at(1)).parse({ services: [body] })).not.toThrow();
  });

  it('adds forced_down from 2.11 and the uuid id from 2.53', () => {
    expect(serviceView(row, at(11))['forced_down']).toBe(true);
    expect(serviceView(row, at(52))['id']).toBe(3);
    const body = serviceView({ ...row, disabled: false, disabled_reason: null, alive: true }, at(53));
    expect(body).toMatchObject({ id: serviceUuid('host-1'), status: 'enabled', state: 'up', forced_down: true });
    expect(() => serviceUpdateSchema(at(53)).parse({ service: body })).not.toThrow();
  });

  it('is rejected by the strict schemas when a field appears before its version', () => {
    expect(() => servicesListSchema(at(10)).parse({ services: [serviceView(row, at(11))] })).toThrow();
    expect(() => servicesListSchema(at(53)).parse({ services: [serviceView(row, at(52))] })).toThrow();
  });
});
