import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { fsyncOnPool } from "../../src/runtime/sync-pool.ts";

const dir = fs.mkdtempSync(`${os.tmpdir()}/s3dir-sync-pool-`);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("many files are synced side by side on the pool", async () => {
  const fds = Array.from({ length: 24 }, (_, i) => {
    const fd = fs.openSync(join(dir, `f${i}`), "w");
    fs.writeSync(fd, `file ${i}`);
    return fd;
  });
  try {
    await Promise.all(fds.map((fd) => fsyncOnPool(fd)));
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
});

test("a failed fsync rejects with its errno code", async () => {
  const fd = fs.openSync(join(dir, "closed"), "w");
  fs.closeSync(fd);
  const error = await fsyncOnPool(fd).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  );
  expect(error?.code).toBe("EBADF");
});
