import * as v from "valibot";

const unitMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "7d", "12h", "30m" or "45s" into ms; a bare number is in `bareUnit`. */
export function parseDuration(text: string, bareUnit: "s" | "d"): number | undefined {
  if (!/^\d+(\.\d+)?[smhd]?$/.test(text)) return undefined;
  return Math.round(Number.parseFloat(text) * unitMs[/[smhd]$/.test(text) ? text.at(-1)! : bareUnit]!);
}

/** A duration option such as "7d", "12h", "30m" or "45s" (a bare number is days), in ms. */
export const durationSchema = v.pipe(
  v.string(),
  v.regex(/^\d+(\.\d+)?[smhd]?$/, "a duration is a number with s, m, h or d (days when bare)"),
  v.transform((s) => parseDuration(s, "d")!),
  v.minValue(1000, "a duration is at least 1s"),
);
