import { readdirSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * A spool is a directory of append-only segment files, `000000000001.jsonl`, `000000000002.jsonl`…,
 * one event per line. Only the newest segment of a running host grows; older ones never change.
 */
const segmentPattern = /^(\d{12})\.jsonl$/;

export function segmentName(seq: number): string {
  return `${String(seq).padStart(12, "0")}.jsonl`;
}

export function segmentPath(dir: string, seq: number): string {
  return join(dir, segmentName(seq));
}

function sequences(names: string[]): number[] {
  const out: number[] = [];
  for (const name of names) {
    const m = segmentPattern.exec(name);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** The segment numbers in the spool, oldest first. */
export async function listSegments(dir: string): Promise<number[]> {
  try {
    return sequences(await readdir(dir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

export function listSegmentsSync(dir: string): number[] {
  try {
    return sequences(readdirSync(dir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}
