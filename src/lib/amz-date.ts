/** The number in value[from, from + length) when all of it is ASCII digits, else -1. */
function digitsAt(value: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Parses the ISO 8601 basic form used by SigV4 (`20260101T120000Z`); undefined when invalid. */
export function parseAmzDate(value: string): Date | undefined {
  if (value.length !== 16 || value[8] !== "T" || value[15] !== "Z") return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 4, 2);
  const day = digitsAt(value, 6, 2);
  const hour = digitsAt(value, 9, 2);
  const minute = digitsAt(value, 11, 2);
  const second = digitsAt(value, 13, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(time);
  // Reject calendar overflow such as 20260231 or 25:00.
  if (date.getUTCDate() !== day || date.getUTCHours() !== hour || date.getUTCMonth() !== month - 1) {
    return undefined;
  }
  if (minute > 59 || second > 59) return undefined;
  return date;
}

/** Formats a date as `yyyymmddThhmmssZ`. */
export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]|\.\d{3}/g, "");
}
