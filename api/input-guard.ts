import type { RequestHandler } from 'express';
import { BadRequest } from './errors';

/** Deeper JSON than any request of this API has (create-server nests 4 levels). */
export const MAX_JSON_DEPTH = 64;

type Finding = 'nul' | 'too-deep' | null;

/** Walks a parsed value without recursion (a 100 000-deep array must not overflow the stack). */
function inspect(root: unknown): Finding {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'nul';
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return 'too-deep';
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\u0000')) return 'nul';
      stack.push([child, depth + 1]);
    }
  }
  return null;
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * PostgreSQL text cannot hold NUL: a NUL in a query filter, a path segment or a body would fail the query (or,
 * carried into a workflow, the conductor's write). Absurdly deep JSON is refused before anything walks it.
 * Both are Nova's 400.
 */
export const rejectUnstorableInput: RequestHandler = (req, _res, next) => {
  const finding = inspect([req.query, req.body, decodedPath(req.path)]);
  if (finding === 'nul') throw new BadRequest('Invalid input: the request contains a NUL character.');
  if (finding === 'too-deep') throw new BadRequest('Malformed request body');
  next();
};
