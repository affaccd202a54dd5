/**
 * Reading, changing and following the root's on-disk format (root-format-file.ts). Hosts follow it
 * with one stat every few seconds on a timer, never on a request: a request asks only has().
 */
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  FORMAT_FILE,
  type FormatFeature,
  MAX_FORMAT_BYTES,
  parseRootFormat,
  publishFormatSync,
  type RootFormat,
} from "./root-format-file.ts";
import { ensureSystemDirSync, SYSTEM_DIR } from "./system-dir.ts";

export function rootFormatFile(root: string): string {
  return join(root, SYSTEM_DIR, FORMAT_FILE);
}

/** The root's format; without the file (a root an earlier version made), no feature. */
export async function readRootFormat(root: string): Promise<RootFormat & { missing?: true }> {
  let text: string | undefined;
  try {
    text = await readSmall(rootFormatFile(root));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { features: [], unknown: [], missing: true };
    return { features: [], unknown: [], problem: code ? `unreadable (${code})` : String(e) };
  }
  if (text === undefined)
    return { features: [], unknown: [], problem: `larger than ${MAX_FORMAT_BYTES} bytes` };
  return parseRootFormat(text);
}

async function readSmall(file: string): Promise<string | undefined> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(MAX_FORMAT_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_FORMAT_BYTES) return undefined;
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** Sets the root's features: the names given, known or not (a later version's are kept by the caller). */
export async function writeRootFormat(root: string, features: readonly string[]): Promise<void> {
  publishFormatSync(ensureSystemDirSync(root), features);
}

export interface RootFormatWatch {
  /** Whether the root has the feature, as of the last check. */
  has(feature: FormatFeature): boolean;
  stop(): void;
}

export interface RootFormatWatchOptions {
  /** How often the file is stat'ed. */
  intervalMs?: number;
  /** Told once per version of the file that cannot be used fully (unreadable, unknown features). */
  report?: (record: { msg: string; [field: string]: unknown }) => void;
}

export const FORMAT_CHECK_MS = 2000;

/**
 * Follows the root's format: a stat every intervalMs, a read when the file changed. A file that
 * cannot be read counts as no feature (data keeps the forms every version reads) until it changes.
 */
export async function watchRootFormat(
  root: string,
  options: RootFormatWatchOptions = {},
): Promise<RootFormatWatch> {
  const file = rootFormatFile(root);
  let features = new Set<FormatFeature>();
  let signature: string | undefined;
  const check = async () => {
    const next = await stat(file, { bigint: true }).then(
      (st) => `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`,
      (e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? "" : `error ${e.code ?? String(e)}`),
    );
    if (next === signature) return;
    signature = next;
    const format = next === "" ? { features: [], unknown: [] } : await readRootFormat(root);
    features = new Set(format.features);
    if (format.problem)
      options.report?.({
        msg: "root format file not usable: writing the forms every version reads",
        file,
        problem: format.problem,
      });
    else if (format.unknown.length > 0)
      options.report?.({
        msg: "root format file names features this host does not know: ignored",
        file,
        unknown: format.unknown,
        followed: format.features,
      });
  };
  await check();
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check()
      .catch(() => {
        features = new Set();
      })
      .finally(() => {
        running = false;
      });
  }, options.intervalMs ?? FORMAT_CHECK_MS);
  timer.unref();
  return { has: (feature) => features.has(feature), stop: () => clearInterval(timer) };
}
