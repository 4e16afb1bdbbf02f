const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string may be compared with a uuid column (anything else would be a PostgreSQL error, a 500). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}
