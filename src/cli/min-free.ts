import * as v from "valibot";
import type { MinFree } from "../runtime/free-space.ts";

const units: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Parses "5%", "1GiB", "512m", "2g" or a byte count; sizes are in powers of 1024. */
export function parseMinFree(text: string): MinFree | undefined {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    return value > 0 && value < 100 ? { percent: value } : undefined;
  }
  const size = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text);
  if (!size) return undefined;
  const bytes = Math.round(Number(size[1]) * units[size[2]!.toLowerCase()]!);
  return bytes > 0 ? { bytes } : undefined;
}

/** --min-free: a size such as 1GiB or 512m, or a percentage of the root's filesystem such as 5%. */
export const minFreeSchema = v.pipe(
  v.string(),
  v.transform(parseMinFree),
  v.check((m) => m !== undefined, "a size such as 1GiB or 512m, or a percentage such as 5%"),
  v.transform((m) => m!),
);
