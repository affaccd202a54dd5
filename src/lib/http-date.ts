/** "Wed, 21 Oct 2015 07:28:00 GMT", with the Date's milliseconds dropped. */
export function toHttpDate(date: Date): string {
  return date.toUTCString();
}

/** "2015-10-21T07:28:00.000Z" as S3 uses in XML. */
export function toIsoDate(date: Date): string {
  return date.toISOString();
}

/** Parses an HTTP date (RFC 7231 forms that Date.parse accepts); undefined when invalid. */
export function parseHttpDate(value: string | null): Date | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
