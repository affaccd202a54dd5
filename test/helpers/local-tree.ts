/**
 * A fixed local tree for sync clients (rclone, s3cmd): names with spaces, `+`, `&`, `%` and
 * unicode, nested directories, an empty file, and optionally a file of 7 000 000 bytes (above a
 * 5 MiB multipart cutoff, so it goes up in two parts). Fixed names, contents and mtimes.
 */
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bytes } from "./util.ts";

export interface TreeFile {
  /** The path below the tree's root, with `/`; also the key below the synced prefix. */
  path: string;
  content: Uint8Array;
}

/** 2020-09-13T12:26:40.250Z: a fractional second, so that the precision kept is visible. */
export const treeMtimeSeconds = 1_600_000_000.25;

export const bigTreeFile = "big file.bin";

export function treeFiles(options: { big?: boolean } = {}): TreeFile[] {
  const text = (s: string) => new TextEncoder().encode(s);
  const files: TreeFile[] = [
    { path: "dir one/a b.txt", content: text("a file with a space") },
    { path: "dir one/sub/deep.txt", content: text("two levels down") },
    { path: "x+y.txt", content: text("plus") },
    { path: "q&r.txt", content: text("ampersand") },
    { path: "100%.txt", content: text("percent") },
    { path: "é中 ü.txt", content: text("unicode ✓") },
    { path: "empty.txt", content: new Uint8Array(0) },
  ];
  if (options.big) files.push({ path: bigTreeFile, content: bytes(7_000_000, 19) });
  return files;
}

/** Writes the files below dir, each with mtime treeMtimeSeconds. */
export function writeTree(dir: string, files: TreeFile[]): void {
  for (const file of files) {
    const full = join(dir, file.path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, file.content);
    utimesSync(full, treeMtimeSeconds, treeMtimeSeconds);
  }
}

/** The bytes of every file as the server stored it: ROOT/BUCKET/PREFIX/PATH, read from the root. */
export function readFromRoot(root: string, bucket: string, prefix: string, files: TreeFile[]) {
  return Object.fromEntries(files.map((f) => [f.path, readFileSync(join(root, bucket, prefix, f.path))]));
}

/** What readFromRoot should find. */
export function expectedBytes(files: TreeFile[]) {
  return Object.fromEntries(files.map((f) => [f.path, Buffer.from(f.content)]));
}
