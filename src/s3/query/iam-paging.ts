import * as v from "valibot";
import { param } from "./query-params.ts";
import { el } from "./query-xml.ts";

const maxItemsRange = "Member must have value between 1 and 1000";
/** MaxItems: an integer 1…1000; absent reads as 100. */
const maxItems = v.nullable(
  v.pipe(
    v.string(),
    v.regex(/^\d{1,4}$/, "Member must be an integer"),
    v.transform(Number),
    v.minValue(1, maxItemsRange),
    v.maxValue(1000, maxItemsRange),
  ),
  "100",
);

export interface Page<T> {
  items: T[];
  /** `<IsTruncated>…</IsTruncated>` and, when truncated, `<Marker>…</Marker>`. */
  tail: string;
}

/**
 * One page of a list sorted by keyOf, as IAM pages: at most MaxItems (1…1000, default 100) items
 * from Marker on. The marker is the key of the first item of the next page (opaque to clients).
 */
export function paginate<T>(items: T[], keyOf: (item: T) => string, params: URLSearchParams): Page<T> {
  const max = param(params, "MaxItems", maxItems);
  const sorted = [...items].sort((a, b) => compare(keyOf(a), keyOf(b)));
  const marker = params.get("Marker");
  const start = marker === null ? 0 : sorted.findIndex((item) => compare(keyOf(item), marker) >= 0);
  const from = start < 0 ? sorted.length : start;
  const page = sorted.slice(from, from + max);
  const next = sorted[from + max];
  const tail =
    next === undefined ? el("IsTruncated", false) : `${el("IsTruncated", true)}${el("Marker", keyOf(next))}`;
  return { items: page, tail };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
