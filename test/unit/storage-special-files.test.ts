/** FIFOs are never opened blocking, whichever flavour of file-system calls the store uses. */
import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { errCode, fsOps } from "../../src/runtime/fs-ops.ts";
import { openVerified } from "../../src/storage/layout/paths.ts";
import { createPosixStore } from "../../src/storage/posix-store.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

function fifoIn(dir: string, name: string): string {
  const path = `${dir}/${name}`;
  const r = Bun.spawnSync(["mkfifo", path]);
  if (r.exitCode !== 0) throw new Error(`mkfifo ${path} failed`);
  return path;
}

for (const sync of [true, false]) {
  describe(sync ? "sync calls" : "async calls", () => {
    const ops = fsOps(sync);

    test("openVerified of a FIFO: special, at once", async () => {
      const dir = fs.realpathSync(fs.mkdtempSync(`${os.tmpdir()}/s3dir-fifo-`));
      roots.push(dir);
      expect(await openVerified(ops, fifoIn(dir, "f"))).toEqual({ ok: false, reason: "special" });
    });

    test("readFile of a FIFO: ENOENT, at once", async () => {
      const dir = fs.mkdtempSync(`${os.tmpdir()}/s3dir-fifo-`);
      roots.push(dir);
      const error = await ops.readFile(fifoIn(dir, "f")).catch((e) => e);
      expect(errCode(error)).toBe("ENOENT");
    });

    test("head and list of a bucket with a FIFO", async () => {
      const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-fifo-`);
      roots.push(root);
      const store = await createPosixStore({ root, fsync: false, syncMetadataIo: sync });
      await store.createBucket("bkt");
      fifoIn(`${store.root}/bkt`, "f");
      expect((await store.headObject("bkt", "f").catch((e) => e)).code).toBe("NoSuchKey");
      const listed = await store.list({ bucket: "bkt", prefix: "", delimiter: "", after: "", maxKeys: 10 });
      expect(listed.objects).toEqual([]);
      store.close();
    });
  });
}
