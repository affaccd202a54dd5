/** The buckets that have a hard quota: those whose state holds a `settings/quota` file. */
import { readdir } from "node:fs/promises";
import { BUCKET_STATE, type Layout } from "../layout/paths.ts";

export async function listQuotaBuckets(layout: Layout): Promise<string[]> {
  const names = await readdir(`${layout.systemDir()}/${BUCKET_STATE}`).catch(() => [] as string[]);
  const out: string[] = [];
  for (const name of names) {
    const has = await readdir(layout.reserved(name, "settings")).then(
      (files) => files.includes("quota"),
      () => false,
    );
    if (has) out.push(name);
  }
  return out;
}
