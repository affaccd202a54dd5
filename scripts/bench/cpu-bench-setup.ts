/**
 * What the CPU benchmarks (get-cpu.ts, put-cpu.ts, put-large-cpu.ts) share: their numeric
 * options, `--compare DIR`, and a scratch directory under .bench with a root holding the
 * `bench` bucket, a temp directory for the bare atomic server and a body file.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { trackPath } from "./cleanup.ts";
import { makeBucket, writeRandomFile } from "./fixtures.ts";

const args = process.argv.slice(2);

/** The number after `name` on the command line, or fallback. */
export function numberOption(name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
}

/** The source tree of `--compare DIR`, resolved; undefined without the option. */
export function compareRepoOption(): string | undefined {
  const i = args.indexOf("--compare");
  return i < 0 ? undefined : resolve(args[i + 1]!);
}

export interface PutWorkspace {
  dir: string;
  root: string;
  bareTemp: string;
  body: string;
}

/** A fresh scratch directory (removed at exit) with the bucket, the bare server's temp dir and a body of bodyBytes. */
export function putWorkspace(prefix: string, bodyBytes: number): PutWorkspace {
  const dir = mkdtempSync(join(resolve(import.meta.dir, "..", "..", ".bench"), prefix));
  trackPath(dir);
  const root = join(dir, "root");
  mkdirSync(root);
  makeBucket(root, "bench");
  const bareTemp = join(dir, "bare-tmp");
  mkdirSync(bareTemp);
  const body = join(dir, "body");
  writeRandomFile(body, bodyBytes);
  return { dir, root, bareTemp, body };
}

/** Whether `name` (a flag without a value) is on the command line. */
export function hasFlag(name: string): boolean {
  return args.includes(name);
}
