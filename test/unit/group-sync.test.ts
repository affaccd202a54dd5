import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { DirectorySyncs } from "../../src/storage/objects/group-sync.ts";

const dirs: string[] = [];
const fds: number[] = [];
afterAll(() => {
  for (const fd of fds) fs.closeSync(fd);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function openDir(path: string): number {
  fs.mkdirSync(path, { recursive: true });
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  fds.push(fd);
  return fd;
}
function dir(): string {
  const d = fs.mkdtempSync(`${os.tmpdir()}/s3dir-group-sync-`);
  dirs.push(d);
  return d;
}

test("concurrent syncs of one directory share: the first runs, all others join the next", async () => {
  const d = dir();
  const syncs = new DirectorySyncs();
  const all = Array.from({ length: 16 }, () => syncs.sync(d, openDir(d)));
  await Promise.all(all);
  expect(syncs.syncs).toBe(2);
});

test("a sync asked for while one runs waits for a sync that starts after it", async () => {
  const d = dir();
  const syncs = new DirectorySyncs();
  const order: string[] = [];
  const first = syncs.sync(d, openDir(d)).then(() => order.push("first"));
  const second = syncs.sync(d, openDir(d)).then(() => order.push("second"));
  await first;
  expect(syncs.syncs).toBe(2);
  await second;
  expect(order).toEqual(["first", "second"]);
  await syncs.sync(d, openDir(d));
  expect(syncs.syncs).toBe(3);
});

test("a directory replaced under the same path is synced on its own, in the same batch", async () => {
  const d = dir();
  const path = join(d, "sub");
  const syncs = new DirectorySyncs();
  const running = syncs.sync(path, openDir(path));
  const old = openDir(path);
  const joined = syncs.sync(path, old);
  fs.renameSync(path, join(d, "moved"));
  const fresh = syncs.sync(path, openDir(path));
  await Promise.all([running, joined, fresh]);
  // One for the first batch, then one for each of the two inodes behind the same path.
  expect(syncs.syncs).toBe(3);
});

test("different directories keep separate queues", async () => {
  const d = dir();
  const syncs = new DirectorySyncs();
  await Promise.all([
    syncs.sync(join(d, "a"), openDir(join(d, "a"))),
    syncs.sync(join(d, "b"), openDir(join(d, "b"))),
  ]);
  expect(syncs.syncs).toBe(2);
});
