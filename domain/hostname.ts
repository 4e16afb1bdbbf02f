/**
 * Nova's `utils.sanitize_hostname` of the display name (nova/compute/api.py `_populate_instance_names`),
 * falling back to `Server-<uuid>` when nothing usable is left.
 */
export function sanitizeHostname(displayName: string, uuid: string): string {
  const latin1 = [...displayName].filter((c) => (c.codePointAt(0) ?? 0) <= 0xff).join('');
  const hostname = latin1
    .slice(0, 63)
    .replace(/[ _.]/g, '-')
    .replace(/[^\p{L}\p{N}_.-]+/gu, '')
    .toLowerCase()
    .replace(/^[.-]+|[.-]+$/g, '');
  return hostname || `Server-${uuid}`;
}

/**
 * The hostname a server shows (`OS-EXT-SRV-ATTR:hostname`, the metadata service's `hostname`): the one stored at
 * create (the requested one from 2.90, else the sanitized name) or set later (update and rebuild, 2.90), so a
 * rename leaves it alone as in Nova; rows created before the column existed derive it from the name.
 */
export function hostnameOf(row: { hostname: string | null; name: string; uuid: string }): string {
  return row.hostname ?? sanitizeHostname(row.name, row.uuid);
}
