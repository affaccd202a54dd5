import { randomBytes } from "node:crypto";
import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** How far a spool has been delivered: every byte before `offset` of segment `segment`. */
export interface SpoolPosition {
  segment: number;
  offset: number;
}

export function offsetFile(dir: string): string {
  return join(dir, "offset.json");
}

/** The acknowledged position; undefined when nothing was ever acknowledged. */
export async function readSpoolOffset(dir: string): Promise<SpoolPosition | undefined> {
  let text: string;
  try {
    text = await readFile(offsetFile(dir), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const value = JSON.parse(text) as Partial<SpoolPosition>;
  const { segment, offset } = value;
  if (!Number.isSafeInteger(segment) || !Number.isSafeInteger(offset) || segment! < 0 || offset! < 0)
    throw new Error(`${offsetFile(dir)}: malformed offset`);
  return { segment: segment!, offset: offset! };
}

/** Records an acknowledged position: temp file then rename, so a crash leaves the old or the new one. */
export async function writeSpoolOffset(dir: string, position: SpoolPosition): Promise<void> {
  const file = offsetFile(dir);
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temp, `${JSON.stringify(position)}\n`, { mode: 0o600, flag: "wx" });
  try {
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
}
