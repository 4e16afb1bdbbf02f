import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { BadRequest, VersionNotSupported } from './errors';
import { atLeast, microversionMiddleware, parseVersionHeader, versionOf } from './microversion';

describe('parseVersionHeader', () => {
  it('defaults to 2.1 when no version header is sent', () => {
    expect(parseVersionHeader({})).toEqual({ major: 2, minor: 1 });
  });

  it('reads the compute entry of OpenStack-API-Version', () => {
    expect(parseVersionHeader({ 'openstack-api-version': 'compute 2.60' })).toEqual({ major: 2, minor: 60 });
  });

  it('picks compute out of a header listing several services', () => {
    const headers = { 'openstack-api-version': 'placement 1.30, compute 2.53, volume 3.10' };
    expect(parseVersionHeader(headers)).toEqual({ major: 2, minor: 53 });
  });

  it('reads the legacy X-OpenStack-Nova-API-Version header', () => {
    expect(parseVersionHeader({ 'x-openstack-nova-api-version': '2.37' })).toEqual({ major: 2, minor: 37 });
  });

  it('prefers the standard header over the legacy one', () => {
    const headers = { 'openstack-api-version': 'compute 2.10', 'x-openstack-nova-api-version': '2.20' };
    expect(parseVersionHeader(headers)).toEqual({ major: 2, minor: 10 });
  });

  it('falls back to the legacy header when the standard one names only other services', () => {
    const headers = { 'openstack-api-version': 'placement 1.30', 'x-openstack-nova-api-version': '2.20' };
    expect(parseVersionHeader(headers)).toEqual({ major: 2, minor: 20 });
  });

  it('maps latest to the maximum version', () => {
    expect(parseVersionHeader({ 'openstack-api-version': 'compute latest' })).toEqual({ major: 2, minor: 100 });
    expect(parseVersionHeader({ 'x-openstack-nova-api-version': 'latest' })).toEqual({ major: 2, minor: 100 });
  });

  it.each(['2', '2.x', 'abc', '2.01', '02.1', '2.1.1'])('rejects the malformed version %p with a 400', (value) => {
    const headers: IncomingHttpHeaders = { 'openstack-api-version': `compute ${value}` };
    expect(() => parseVersionHeader(headers)).toThrow(BadRequest);
    expect(() => parseVersionHeader(headers)).toThrow(
      `API Version String ${value} is of invalid format. Must be of format MajorNum.MinorNum.`,
    );
  });

  it.each(['2.101', '3.0', '1.1', '2.0'])('rejects %p, outside [2.1, 2.100], with a 406', (value) => {
    const headers = { 'x-openstack-nova-api-version': value };
    expect(() => parseVersionHeader(headers)).toThrow(VersionNotSupported);
    expect(() => parseVersionHeader(headers)).toThrow(
      `Version ${value} is not supported by the API. Minimum is 2.1 and maximum is 2.100.`,
    );
  });
});

describe('atLeast', () => {
  it('compares minor versions numerically, not as decimals', () => {
    expect(atLeast({ major: 2, minor: 100 }, '2.47')).toBe(true);
    expect(atLeast({ major: 2, minor: 9 }, '2.47')).toBe(false);
    expect(atLeast({ major: 2, minor: 47 }, '2.47')).toBe(true);
    expect(atLeast({ major: 2, minor: 46 }, '2.47')).toBe(false);
  });
});

describe('microversionMiddleware', () => {
  function run(headers: IncomingHttpHeaders): { res: Response; sent: Record<string, string>; next: jest.Mock } {
    const sent: Record<string, string> = {};
    const res = { locals: {}, setHeader: (k: string, v: string) => (sent[k] = v) } as unknown as Response;
    const next = jest.fn();
    microversionMiddleware({ headers } as Request, res, next as NextFunction);
    return { res, sent, next };
  }

  it('stores the negotiated version and echoes it in both headers with Vary', () => {
    const { res, sent, next } = run({ 'openstack-api-version': 'compute 2.79' });
    expect(versionOf(res)).toEqual({ major: 2, minor: 79 });
    expect(sent).toEqual({
      'OpenStack-API-Version': 'compute 2.79',
      'X-OpenStack-Nova-API-Version': '2.79',
      Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
    });
    expect(next).toHaveBeenCalledWith();
  });

  it('echoes 2.100 for latest', () => {
    expect(run({ 'openstack-api-version': 'compute latest' }).sent['OpenStack-API-Version']).toBe('compute 2.100');
  });
});
