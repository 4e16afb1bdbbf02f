import { GlanceError } from './errors';
import { parseGlanceListQuery, splitInList } from './list-query';

const parse = (query: string) => parseGlanceListQuery(new URLSearchParams(query));

function badRequest(query: string): string | undefined {
  try {
    parse(query);
  } catch (err) {
    if (err instanceof GlanceError && err.status === 400) return err.explanation;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('parseGlanceListQuery', () => {
  it('defaults to 25 newest first, hidden images left out', () => {
    expect(parse('')).toEqual({
      limit: 25,
      marker: undefined,
      sort: [
        { key: 'created_at', dir: 'desc' },
        { key: 'id', dir: 'desc' },
      ],
      visibility: undefined,
      hidden: false,
      protected: undefined,
      tags: [],
      text: [],
      numeric: [],
      times: [],
      properties: [],
    });
  });

  it('caps the limit at 1000 and keeps the marker', () => {
    expect(parse('limit=5000&marker=abc')).toMatchObject({ limit: 1000, marker: 'abc' });
  });

  it('reads both sorting syntaxes and appends created_at and id in the first direction', () => {
    expect(parse('sort_key=name&sort_dir=asc').sort).toEqual([
      { key: 'name', dir: 'asc' },
      { key: 'created_at', dir: 'asc' },
      { key: 'id', dir: 'asc' },
    ]);
    expect(parse('sort=name:asc,size:desc').sort).toEqual([
      { key: 'name', dir: 'asc' },
      { key: 'size', dir: 'desc' },
      { key: 'created_at', dir: 'desc' },
      { key: 'id', dir: 'desc' },
    ]);
  });

  it('reads filters: text with in:, numbers, times, tags, booleans and extra properties', () => {
    const q = parse(
      'name=in:a,"b,c"&status=active&owner=demo&size_min=10&min_ram=64&created_at=gte:2024-01-01T00:00:00Z' +
        '&tag=x&tag=y&protected=true&os_hidden=true&visibility=all&hw_disk_bus=virtio&member_status=all',
    );
    expect(q.text).toEqual([
      { column: 'name', values: ['a', 'b,c'] },
      { column: 'status', values: ['active'] },
      { column: 'owner', values: ['demo'] },
    ]);
    expect(q.numeric).toEqual([
      { column: 'size', op: 'min', value: 10 },
      { column: 'min_ram', op: 'eq', value: 64 },
    ]);
    expect(q.times).toEqual([{ column: 'created_at', op: 'gte', at: new Date('2024-01-01T00:00:00Z') }]);
    expect(q).toMatchObject({ tags: ['x', 'y'], protected: true, hidden: true, visibility: 'all' });
    expect(q.properties).toEqual([['hw_disk_bus', 'virtio']]);
  });

  it.each([
    ['limit=abc', 'limit param must be an integer'],
    ['limit=-1', 'limit param must be positive'],
    [
      'sort_key=color',
      'Invalid sort key: color. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.',
    ],
    ['sort_dir=up', 'Invalid sort direction: up'],
    ['sort=name&sort_key=name', 'Old and new sorting syntax cannot be combined'],
    [
      'sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc',
      'Number of sort dirs does not match the number of sort keys',
    ],
    ['visibility=everyone', 'Invalid visibility value: everyone'],
    ['member_status=maybe', 'Invalid status: maybe'],
    ['os_hidden=yes', "Invalid value 'yes' for 'os_hidden' filter. Valid values are 'true' or 'false'."],
    ['protected=1', "Invalid value '1' for 'protected' filter. Valid values are 'true' or 'false'."],
    ['changes-since=2024-01-01', 'The "changes-since" filter is no longer available on v2.'],
    ['name=like:x', "Unable to filter by unknown operator 'like'."],
    ['size_max=big', 'Unable to filter on a range with a non-numeric value.'],
    ['created_at=gt:yesterday', 'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.'],
  ])('answers 400 for %s', (query, message) => {
    expect(badRequest(query)).toBe(message);
  });
});

describe('splitInList', () => {
  it('splits on commas outside double quotes', () => {
    expect(splitInList('a,b')).toEqual(['a', 'b']);
    expect(splitInList('"a,b",c')).toEqual(['a,b', 'c']);
    expect(splitInList('"say \\"hi\\""')).toEqual(['say "hi"']);
  });
});
