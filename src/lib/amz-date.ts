const amzDatePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses the ISO 8601 basic form used by SigV4 (`20260101T120000Z`); undefined when invalid. */
export function parseAmzDate(value: string): Date | undefined {
  const m = amzDatePattern.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
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
