/** The mount a path lives on, from /proc/self/mountinfo (Linux). */
import { readFileSync } from "node:fs";

export interface MountInfo {
  mountPoint: string;
  fsType: string;
  source: string;
  /** Per-mount and superblock options together (quota options are superblock ones). */
  options: string[];
}

const unescapeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (dash < 6 || fields.length < dash + 4) continue;
    out.push({
      mountPoint: unescapeOctal(fields[4]!),
      fsType: fields[dash + 1]!,
      source: unescapeOctal(fields[dash + 2]!),
      options: [...fields[5]!.split(","), ...fields[dash + 3]!.split(",")],
    });
  }
  return out;
}

/** The mount holding realPath (a path without symlinks): the last of the longest matches. */
export function mountOf(realPath: string, mounts?: MountInfo[]): MountInfo | undefined {
  let list = mounts;
  if (!list) {
    try {
      list = parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8"));
    } catch {
      return undefined;
    }
  }
  let best: MountInfo | undefined;
  for (const m of list) {
    const p = m.mountPoint;
    const under = p === "/" || realPath === p || realPath.startsWith(`${p}/`);
    if (under && (!best || p.length >= best.mountPoint.length)) best = m;
  }
  return best;
}
