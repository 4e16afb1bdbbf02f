import type { RequestContext } from '../context';
import { BadRequest, Forbidden } from '../errors';
import type { ApiVersion } from '../microversion';
import { parseServerListQuery } from './server-list-query';

const member: RequestContext = { requestId: 'req-1', userId: 'u1', projectId: 'p1', isAdmin: false };
const admin: RequestContext = { ...member, userId: 'admin', isAdmin: true };
const V2_1: ApiVersion = { major: 2, minor: 1 };
const V2_100: ApiVersion = { major: 2, minor: 100 };

function parse(query: string, ctx = member, version = V2_100) {
  return parseServerListQuery(new URLSearchParams(query), { version, ctx, detail: true });
}

describe('parseServerListQuery', () => {
  it('reads limit, marker, name and changes-since', () => {
    expect(parse('limit=2&marker=abc&name=^web&changes-since=2024-01-02T03:04:05Z')).toMatchObject({
      limit: 2,
      marker: 'abc',
      name: '^web',
      changesSince: new Date('2024-01-02T03:04:05Z'),
    });
  });

  it('reads a changes-since without a zone as UTC', () => {
    expect(parse('changes-since=2024-01-02T03:04:05').changesSince).toEqual(new Date('2024-01-02T03:04:05Z'));
  });

  it.each(['abc', '-1', '1.5'])('refuses limit=%p with a 400 naming the parameter', (limit) => {
    expect(() => parse(`limit=${limit}`)).toThrow(BadRequest);
    expect(() => parse(`limit=${limit}`)).toThrow(`Invalid input for query parameters limit. Value: ${limit}.`);
  });

  it('refuses a changes-since that is not a date-time', () => {
    expect(() => parse('changes-since=yesterday')).toThrow("'yesterday' is not a 'date-time'");
  });

  it('refuses unknown parameters from 2.75 and ignores them before', () => {
    expect(() => parse('foo=1')).toThrow("Additional properties are not allowed ('foo' was unexpected)");
    expect(parse('foo=1', member, V2_1)).toMatchObject({ limit: undefined });
  });

  it('gives 403 to a non-admin asking for all tenants, and lets admins', () => {
    expect(() => parse('all_tenants=1')).toThrow(Forbidden);
    expect(() => parse('all_tenants')).toThrow(
      "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed.",
    );
    expect(parse('all_tenants=true&project_id=p2', admin)).toMatchObject({ allTenants: true, projectId: 'p2' });
    expect(parse('all_tenants=0', admin)).toMatchObject({ allTenants: false, projectId: undefined });
  });

  it('refuses an all_tenants value that is not a boolean', () => {
    expect(() => parse('all_tenants=maybe', admin)).toThrow("Unrecognized value 'maybe'");
  });

  it('reads locked from 2.73 as a strict boolean; before it only for admins, as Nova drops it for others', () => {
    const V2_72: ApiVersion = { major: 2, minor: 72 };
    expect(parse('locked=true').locked).toBe(true);
    expect(parse('locked=0').locked).toBe(false);
    expect(parse('name=x').locked).toBeUndefined();
    expect(() => parse('locked=')).toThrow("Unrecognized value '', acceptable values are:");
    expect(() => parse('locked=maybe')).toThrow(BadRequest);
    expect(parse('locked=true', member, V2_72).locked).toBeUndefined();
    expect(parse('locked=true', admin, V2_72).locked).toBe(true);
    expect(() => parse('all_tenants=1&locked=maybe')).toThrow(BadRequest);
  });

  it('drops the host filter for non-admins', () => {
    expect(parse('host=compute-1').host).toBeUndefined();
    expect(parse('host=compute-1', admin).host).toBe('compute-1');
  });

  it('refuses an unknown status from 2.38 and matches nothing before', () => {
    expect(() => parse('status=bogus')).toThrow('Invalid status value');
    expect(parse('status=bogus', member, V2_1).status).toEqual([]);
    expect(parse('status=active&status=SHUTOFF').status).toEqual(['active', 'SHUTOFF']);
  });

  it('lets only admins list deleted servers by status', () => {
    expect(() => parse('status=DELETED')).toThrow('Only administrators may list deleted instances');
    expect(parse('status=DELETED', admin).status).toEqual(['DELETED']);
  });

  it('refuses joined-table filters for admins and drops them for others', () => {
    expect(() => parse('metadata=x', admin)).toThrow('Invalid filter field: metadata.');
    expect(() => parse('metadata=x')).not.toThrow();
  });
});
