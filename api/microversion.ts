import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler, Response } from 'express';
import { BadRequest, VersionNotSupported } from './errors';

export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.100';

export interface ApiVersion {
  major: number;
  minor: number;
}

const STANDARD_HEADER = 'openstack-api-version';
const LEGACY_HEADER = 'x-openstack-nova-api-version';
// Nova's APIVersionRequest pattern: no leading zeros, so `2.01` is malformed rather than 2.1.
const VERSION_PATTERN = /^([1-9]\d*)\.([1-9]\d*|0)$/;

/** Parses `2.N`; null when the string is not of Nova's MajorNum.MinorNum format. */
export function parseVersion(text: string): ApiVersion | null {
  const match = VERSION_PATTERN.exec(text);
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function mustParse(text: string): ApiVersion {
  const version = parseVersion(text);
  if (!version) throw new Error(`invalid version constant ${text}`);
  return version;
}

const MIN = mustParse(MIN_VERSION);
const MAX = mustParse(MAX_VERSION);

export function formatVersion(v: ApiVersion): string {
  return `${v.major}.${v.minor}`;
}

export function compareVersions(a: ApiVersion, b: ApiVersion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

// The literals views compare against, parsed once: a server list compares each of its rows.
const parsedLiterals = new Map<string, ApiVersion>();

/** True when `v` is `min` or later; `min` is a `2.N` literal. */
export function atLeast(v: ApiVersion, min: string): boolean {
  let parsed = parsedLiterals.get(min);
  if (!parsed) {
    parsed = mustParse(min);
    parsedLiterals.set(min, parsed);
  }
  return compareVersions(v, parsed) >= 0;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The `compute` entry of `OpenStack-API-Version: compute 2.60, placement 1.30` (microversion_parse rules). */
function standardVersion(value: string | undefined): string | undefined {
  if (!value) return undefined;
  for (const item of value.split(',')) {
    const [service, version, ...rest] = item.trim().split(/\s+/);
    if (service?.toLowerCase() === 'compute' && version !== undefined && rest.length === 0) return version;
  }
  return undefined;
}

/**
 * The microversion a request asks for: the standard header's `compute` entry wins over the legacy header;
 * none means 2.1 and `latest` the maximum. Throws Nova's 400 for a malformed value and 406 outside the range.
 */
export function parseVersionHeader(headers: IncomingHttpHeaders): ApiVersion {
  const requested = standardVersion(headerText(headers[STANDARD_HEADER])) ?? headerText(headers[LEGACY_HEADER])?.trim();
  if (!requested) return MIN;
  if (requested === 'latest') return MAX;
  const version = parseVersion(requested);
  if (!version) {
    throw new BadRequest(`API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`);
  }
  if (compareVersions(version, MIN) < 0 || compareVersions(version, MAX) > 0) {
    throw new VersionNotSupported(
      `Version ${formatVersion(version)} is not supported by the API. ` +
        `Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`,
    );
  }
  return version;
}

/** Negotiates the microversion, stores it in `res.locals.version` and echoes it on the reply. */
export const microversionMiddleware: RequestHandler = (req, res, next) => {
  const version = parseVersionHeader(req.headers);
  const text = formatVersion(version);
  res.locals['version'] = version;
  res.setHeader('OpenStack-API-Version', `compute ${text}`);
  res.setHeader('X-OpenStack-Nova-API-Version', text);
  res.setHeader('Vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
  next();
};

/** The negotiated microversion; 2.1 for routes mounted outside the middleware. */
export function versionOf(res: Response): ApiVersion {
  return (res.locals['version'] as ApiVersion | undefined) ?? MIN;
}
