/**
 * The root's on-disk format: `<root>/.s3dir/format.json`, the features every host serving the
 * root can read, so that a host writes data in a newer form only once no host would misread it
 * (as filesystems do with feature flags). The file is written by the host that creates the
 * system directory and by `s3dir format`; it is read defensively, since it may be torn by hand
 * or come from a later version.
 */
import { randomBytes } from "node:crypto";
import { renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const FORMAT_FILE = "format.json";

/** What this version can read, in the order features were added. */
export const formatFeatures = ["compactRecords"] as const;
export type FormatFeature = (typeof formatFeatures)[number];

/** A root this version creates can use every feature at once: no earlier host serves it yet. */
export const newRootFeatures: readonly FormatFeature[] = formatFeatures;

/** The file's own version: a later one may change what its fields mean. */
const FILE_VERSION = 1;
/** Anything larger is not a file this or a later version wrote. */
export const MAX_FORMAT_BYTES = 64 * 1024;

export interface RootFormat {
  /** The features the root has that this version knows. */
  features: FormatFeature[];
  /** Features the root has that this version does not know (a later version set them). */
  unknown: string[];
  /** When the features were last set (ISO), if the file says. */
  updated?: string;
  /** Why the file could not be used; then `features` is empty and writes keep the older forms. */
  problem?: string;
}

export function isFormatFeature(name: string): name is FormatFeature {
  return (formatFeatures as readonly string[]).includes(name);
}

/** The format a file's text describes; anything unreadable yields no feature and says why. */
export function parseRootFormat(text: string): RootFormat {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { features: [], unknown: [], problem: "not JSON" };
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    return { features: [], unknown: [], problem: "not a JSON object" };
  const { v, features, updated } = doc as { v?: unknown; features?: unknown; updated?: unknown };
  if (v !== FILE_VERSION)
    return {
      features: [],
      unknown: [],
      problem: `file version ${JSON.stringify(v)}, this host reads ${FILE_VERSION}`,
    };
  if (!Array.isArray(features) || !features.every((f): f is string => typeof f === "string"))
    return { features: [], unknown: [], problem: "features is not a list of names" };
  const format: RootFormat = {
    features: formatFeatures.filter((f) => features.includes(f)),
    unknown: [...new Set(features.filter((f) => !isFormatFeature(f)))],
  };
  if (typeof updated === "string") format.updated = updated;
  return format;
}

/** The file's text: known features in the order they were added, then any others as given. */
export function formatText(features: readonly string[]): string {
  const known: string[] = formatFeatures.filter((f) => features.includes(f));
  const names = [...known, ...new Set(features.filter((f) => !isFormatFeature(f)))];
  return `${JSON.stringify({ v: FILE_VERSION, features: names, updated: new Date().toISOString() })}\n`;
}

/** Publishes the format atomically in the system directory dir (temp file, then rename). */
export function publishFormatSync(dir: string, features: readonly string[]): void {
  const file = join(dir, FORMAT_FILE);
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temp, formatText(features), { mode: 0o600, flag: "wx" });
  try {
    renameSync(temp, file);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Renamed: nothing left to remove.
    }
  }
}
