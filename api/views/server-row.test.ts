import { SERVER_VIEW_COLUMNS, serverViewRowOf } from './server-row';

describe('serverViewRowOf', () => {
  it('takes each value from the position a server list selects its column at', () => {
    const selected = [...SERVER_VIEW_COLUMNS, 'host_availability_zone', 'host_status'];
    const row = serverViewRowOf(selected) as unknown as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(selected);
    for (const column of selected) expect(row[column]).toBe(column);
  });
});
