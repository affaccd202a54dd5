/**
 * A bucket's lifecycle rules from its `lifecycle` setting (JSON of LifecycleConfiguration, dates
 * as ISO strings); [] when unset or unreadable. Kept tiny: the configuration API's cached reader
 * replaces it.
 */
import type { LifecycleConfiguration, LifecycleRule } from "./types.ts";

export async function readLifecycleRules(
  setting: (bucket: string) => Promise<string | undefined>,
  bucket: string,
): Promise<LifecycleRule[]> {
  const text = await setting(bucket).catch(() => undefined);
  if (!text) return [];
  try {
    return parseLifecycleConfiguration(text).rules;
  } catch {
    return [];
  }
}

export function parseLifecycleConfiguration(text: string): LifecycleConfiguration {
  const parsed = JSON.parse(text) as { rules?: (LifecycleRule & { expiration?: { date?: unknown } })[] };
  const rules = (parsed.rules ?? []).map((r) => {
    const date = r.expiration?.date;
    if (r.expiration && typeof date === "string")
      return { ...r, expiration: { ...r.expiration, date: new Date(date) } };
    return r;
  });
  return { rules: rules as LifecycleRule[] };
}
