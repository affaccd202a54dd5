const dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const twoDigits = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * "Wed, 21 Oct 2015 07:28:00 GMT", with the Date's milliseconds dropped: what toUTCString
 * writes, at a third of its cost for the four-digit years it is written here for.
 */
export function toHttpDate(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 1000 && year <= 9999)) return date.toUTCString();
  return `${dayNames[date.getUTCDay()]}, ${twoDigits(date.getUTCDate())} ${monthNames[date.getUTCMonth()]} ${year} ${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())}:${twoDigits(date.getUTCSeconds())} GMT`;
}

/** "2015-10-21T07:28:00.000Z" as S3 uses in XML. */
export function toIsoDate(date: Date): string {
  return date.toISOString();
}

let isoSecond = Number.NaN;
let isoSecondPrefix = "";

/**
 * `new Date(ms).toISOString()` for a time at or near the present (log lines): the date and time
 * of day are formatted once a second, the milliseconds appended.
 */
export function toIsoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const text = new Date(second * 1000).toISOString();
    if (text.length !== 24) return new Date(ms).toISOString();
    isoSecond = second;
    isoSecondPrefix = text.slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `${isoSecondPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}

/** Parses an HTTP date (RFC 7231 forms that Date.parse accepts); undefined when invalid. */
export function parseHttpDate(value: string | null): Date | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

let httpSecond = Number.NaN;
let httpSecondText = "";

/** The HTTP date of a time at or near the present (a Date header), formatted once a second. */
export function httpDateNow(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== httpSecond) {
    httpSecond = second;
    httpSecondText = toHttpDate(new Date(second * 1000));
  }
  return httpSecondText;
}
