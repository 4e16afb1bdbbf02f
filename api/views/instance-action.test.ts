import type { InstanceActionRow } from '../../domain/rows';
import type { ApiVersion } from '../microversion';
import {
  eventVisibility,
  instanceActionBodySchema,
  instanceActionDetailView,
  instanceActionsListSchema,
  instanceActionView,
  temporalHistoryUrl,
  type InstanceActionEventRow,
} from './instance-action';
import { hostIdFor } from './server-fields';

const at = (minor: number): ApiVersion => ({ major: 2, minor });
const noUi = { namespace: 'default' };
const UUID = '4bf3473b-d550-4b65-9409-292d44ab14a2';

const stop: InstanceActionRow = {
  id: '7',
  instance_uuid: UUID,
  action: 'stop',
  request_id: 'req-0d819d5c-1527-4669-bdf0-ffad31b5105b',
  user_id: 'admin',
  project_id: 'p1',
  workflow_id: 'instance-4bf3473b-d550-4b65-9409-292d44ab14a2',
  run_id: '0193a1c2-7e3f-7d4e-9f10-112233445566',
  message: null,
  start_time: new Date('2018-04-25T01:26:36.341Z'),
  finish_time: new Date('2018-04-25T01:26:36.790Z'),
  updated_at: new Date('2018-04-25T01:26:36.790Z'),
};

const powerOff: InstanceActionEventRow = {
  id: '3',
  action_id: '7',
  event: 'compute_stop_instance',
  host: 'compute-1',
  start_time: new Date('2018-04-25T01:26:36.539Z'),
  finish_time: new Date('2018-04-25T01:26:36.790Z'),
  result: 'Success',
  traceback: null,
  details: null,
};

describe('instanceActionView', () => {
  it("shows Nova's 2.1 keys with microsecond timestamps, plus the workflow run", () => {
    expect(instanceActionView(stop, { version: at(1), temporal: noUi })).toEqual({
      action: 'stop',
      instance_uuid: UUID,
      request_id: stop.request_id,
      user_id: 'admin',
      project_id: 'p1',
      start_time: '2018-04-25T01:26:36.341000',
      message: null,
      workflow_id: stop.workflow_id,
      run_id: stop.run_id,
    });
  });

  it('adds updated_at from 2.58', () => {
    expect(instanceActionView(stop, { version: at(57), temporal: noUi })).not.toHaveProperty('updated_at');
    expect(instanceActionView(stop, { version: at(58), temporal: noUi })).toHaveProperty(
      'updated_at',
      '2018-04-25T01:26:36.790000',
    );
  });

  it('links the run in the Temporal UI only when the UI is known', () => {
    const temporal = { uiUrl: 'http://127.0.0.1:8233/', namespace: 'default' };
    expect(instanceActionView(stop, { version: at(1), temporal })['temporal_ui_url']).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/${stop.workflow_id}/${stop.run_id}/history`,
    );
    const unrecorded = { ...stop, workflow_id: null, run_id: null };
    expect(instanceActionView(unrecorded, { version: at(1), temporal })).toHaveProperty('temporal_ui_url', null);
  });

  it('escapes workflow ids in the UI link', () => {
    expect(temporalHistoryUrl('http://ui', 'ns', 'a/b', 'r')).toBe('http://ui/namespaces/ns/workflows/a%2Fb/r/history');
  });
});

describe('eventVisibility', () => {
  it.each([
    [1, false, { events: false, traceback: false, host: false, hostId: false, details: false }],
    [1, true, { events: true, traceback: true, host: false, hostId: false, details: false }],
    [51, false, { events: true, traceback: false, host: false, hostId: false, details: false }],
    [62, false, { events: true, traceback: false, host: false, hostId: true, details: false }],
    [62, true, { events: true, traceback: true, host: true, hostId: true, details: false }],
    [84, false, { events: true, traceback: false, host: false, hostId: true, details: false }],
    [84, true, { events: true, traceback: true, host: true, hostId: true, details: true }],
  ])('at 2.%i for admin=%s', (minor, isAdmin, expected) => {
    expect(eventVisibility(at(minor), isAdmin)).toEqual(expected);
  });
});

describe('instanceActionDetailView', () => {
  const view = (minor: number, isAdmin: boolean, events = [powerOff]) =>
    instanceActionDetailView(stop, events, {
      version: at(minor),
      temporal: noUi,
      isAdmin,
      instanceProjectId: 'p1',
    });

  it('gives admins events with traceback at 2.1 and hides them from others', () => {
    expect(view(1, true)['events']).toEqual([
      {
        event: 'compute_stop_instance',
        start_time: '2018-04-25T01:26:36.539000',
        finish_time: '2018-04-25T01:26:36.790000',
        result: 'Success',
        traceback: null,
      },
    ]);
    expect(view(1, false)).not.toHaveProperty('events');
  });

  it("adds host (admins) and Nova's hashed hostId at 2.62, details (admins) at 2.84", () => {
    const [adminEvent] = view(84, true)['events'] as Record<string, unknown>[];
    expect(adminEvent).toMatchObject({ host: 'compute-1', hostId: hostIdFor('p1', 'compute-1'), details: null });
    const [userEvent] = view(84, false)['events'] as Record<string, unknown>[];
    expect(Object.keys(userEvent!).sort()).toEqual(['event', 'finish_time', 'hostId', 'result', 'start_time']);
  });

  it('shows an event still running with null finish_time and result', () => {
    const running = { ...powerOff, finish_time: null, result: null };
    const [event] = view(51, false, [running])['events'] as Record<string, unknown>[];
    expect(event).toMatchObject({ finish_time: null, result: null });
  });

  it('hashes the server project when the action has none', () => {
    const anonymous = { ...stop, project_id: '' };
    const body = instanceActionDetailView(anonymous, [powerOff], {
      version: at(62),
      temporal: noUi,
      isAdmin: false,
      instanceProjectId: 'p9',
    });
    expect((body['events'] as Record<string, unknown>[])[0]).toHaveProperty('hostId', hostIdFor('p9', 'compute-1'));
  });

  it.each([1, 51, 58, 62, 84, 100])("matches Nova's response schema at 2.%i", (minor) => {
    for (const isAdmin of [true, false]) {
      const body = { instanceAction: view(minor, isAdmin) };
      expect(() => instanceActionBodySchema(at(minor)).parse(body)).not.toThrow();
    }
  });

  it('fails the schema with a field from a later microversion', () => {
    expect(() => instanceActionBodySchema(at(57)).parse({ instanceAction: view(58, true) })).toThrow();
    expect(() => instanceActionBodySchema(at(61)).parse({ instanceAction: view(62, true) })).toThrow();
  });
});

describe('instanceActionsListSchema', () => {
  it('accepts links only from 2.58', () => {
    const links = [{ rel: 'next', href: 'http://x/v2.1/servers/s/os-instance-actions?marker=r' }];
    const list = (minor: number) => ({
      instanceActions: [instanceActionView(stop, { version: at(minor), temporal: noUi })],
      links,
    });
    expect(() => instanceActionsListSchema(at(58)).parse(list(58))).not.toThrow();
    expect(() => instanceActionsListSchema(at(1)).parse(list(1))).toThrow();
  });
});
