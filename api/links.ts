import type { Request } from 'express';

export interface Link {
  rel: string;
  href: string;
  type?: string;
}

/** `<scheme>://<Host header>`: links point back at whatever address the client used. */
export function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** Nova's `links`: `self` under /v2.1, `bookmark` the same path without the version. */
export function selfLinks(root: string, collection: string, id: string): Link[] {
  return [{ rel: 'self', href: `${root}/v2.1/${collection}/${id}` }, bookmarkLink(root, collection, id)];
}

export function bookmarkLink(root: string, collection: string, id: string): Link {
  return { rel: 'bookmark', href: `${root}/${collection}/${id}` };
}

/**
 * Nova's `next` link: the request's own query parameters, sorted by name (the last value wins for a repeated
 * one), with `marker` replaced by the last item's id.
 */
export function nextLink(root: string, collectionPath: string, query: URLSearchParams, marker: string): Link {
  const params = new Map<string, string>();
  for (const [key, value] of query) params.set(key, value);
  params.set('marker', marker);
  const sorted = new URLSearchParams([...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { rel: 'next', href: `${root}/v2.1/${collectionPath}?${sorted.toString()}` };
}

/** The query string of the request as sent (repeated parameters kept), for next links. */
export function rawQuery(req: Request): URLSearchParams {
  const at = req.originalUrl.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : req.originalUrl.slice(at + 1));
}

/**
 * Nova's rule for a next link: the page is full, where the page size is the requested limit capped at
 * max_limit (or max_limit when none was given); an empty page never links on.
 */
export function collectionLinks(
  page: { count: number; lastId: string | undefined; limit: number },
  where: { root: string; collectionPath: string; query: URLSearchParams },
): Link[] {
  if (page.limit === 0 || page.count !== page.limit || page.lastId === undefined) return [];
  return [nextLink(where.root, where.collectionPath, where.query, page.lastId)];
}
