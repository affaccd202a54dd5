/**
 * What the kernel charges for the file work of one small PUT, without HTTP or JavaScript around
 * it: the same sequence of system calls run synchronously on one thread, 12,000 times over 4,000
 * existing keys of 4 KiB (every publish replaces a file), reporting the process's CPU per
 * sequence and the wall time of each call.
 *
 *   bun scripts/bench/file-sequence.ts inplace|atomic|s3dir
 *
 * inplace: what the bare Bun server does (open the key with O_TRUNC, write, close).
 * atomic:  the bare atomic server (bare-server.ts TEMP_DIR): a new temp file, write, close, rename.
 * s3dir:   s3dir's publish (../../src/storage/objects/publish.ts): the same plus fstat (the record's
 *          identity), fsetxattr (the record), openat2 of the key's directory, rename through
 *          /proc/self/fd and a second close.
 */
import * as fs from "node:fs";
import { join, resolve } from "node:path";
import { openBeneath } from "../../src/runtime/open-beneath.ts";
import { fSetXattr } from "../../src/runtime/xattr.ts";
import { sdkPutRecord } from "./sample-record.ts";

const mode = process.argv[2];
if (mode !== "inplace" && mode !== "atomic" && mode !== "s3dir") {
  console.error("usage: bun scripts/bench/file-sequence.ts inplace|atomic|s3dir");
  process.exit(2);
}
const benchDir = resolve(import.meta.dir, "..", "..", ".bench");
fs.mkdirSync(benchDir, { recursive: true });
const dir = fs.mkdtempSync(join(benchDir, "file-sequence-"));
const { O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_RDONLY, O_DIRECTORY } = fs.constants;
const KEYS = 4000;
const SEQUENCES = 12000;
const data = new Uint8Array(4096).fill(120);
const record = sdkPutRecord;
const wall = new Map<string, bigint>();
const timed = <T>(name: string, call: () => T): T => {
  const start = process.hrtime.bigint();
  const value = call();
  wall.set(name, (wall.get(name) ?? 0n) + process.hrtime.bigint() - start);
  return value;
};

try {
  fs.mkdirSync(`${dir}/tmp`);
  fs.mkdirSync(`${dir}/bucket/prefix`, { recursive: true });
  for (let i = 0; i < KEYS; i++) fs.writeFileSync(`${dir}/bucket/prefix/k${i}`, data);
  const rootFd = fs.openSync(dir, O_RDONLY | O_DIRECTORY);
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < SEQUENCES; i++) {
    const key = `k${i % KEYS}`;
    if (mode === "inplace") {
      const fd = timed("open O_TRUNC of the key", () =>
        fs.openSync(`${dir}/bucket/prefix/${key}`, O_WRONLY | O_CREAT | O_TRUNC, 0o666),
      );
      timed("pwrite", () => fs.writeSync(fd, data, 0, data.length, 0));
      timed("close", () => fs.closeSync(fd));
      continue;
    }
    const temp = `${dir}/tmp/t${i}`;
    const fd = timed("open O_CREAT|O_EXCL (new inode)", () =>
      fs.openSync(temp, O_WRONLY | O_CREAT | O_EXCL, 0o666),
    );
    timed("pwrite", () => fs.writeSync(fd, data, 0, data.length, 0));
    if (mode === "s3dir") {
      timed("fstat", () => fs.fstatSync(fd, { bigint: true }));
      timed("fsetxattr", () => fSetXattr(fd, "user.s3dir", record));
    }
    timed("close", () => fs.closeSync(fd));
    if (mode === "atomic") {
      timed("rename over the old file", () => fs.renameSync(temp, `${dir}/bucket/prefix/${key}`));
      continue;
    }
    const dirFd = timed("openat2 of the key's directory", () =>
      openBeneath(rootFd, "bucket/prefix", O_RDONLY | O_DIRECTORY),
    );
    if (dirFd === undefined) throw new Error("openat2 is not available here");
    timed("rename over the old file", () => fs.renameSync(temp, `/proc/self/fd/${dirFd}/${key}`));
    timed("close", () => fs.closeSync(dirFd));
  }
  const cpu = process.cpuUsage(cpuStart);
  console.log(
    `${mode}: ${((cpu.user + cpu.system) / SEQUENCES).toFixed(1)} µs CPU per sequence; wall per call:`,
  );
  for (const [name, ns] of wall) console.log(`  ${name}: ${(Number(ns) / SEQUENCES / 1000).toFixed(1)} µs`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
