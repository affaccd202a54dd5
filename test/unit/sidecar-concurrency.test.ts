import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsOps } from "../../src/runtime/fs-ops.ts";
import type { MetadataRecord } from "../../src/storage/metadata/record.ts";
import { SidecarStore } from "../../src/storage/metadata/sidecar-store.ts";

const dir = mkdtempSync(join(tmpdir(), "s3dir-sidecar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (ino: number, etag: string): MetadataRecord => ({
  v: 1,
  s: 1,
  m: "1",
  i: String(ino),
  e: etag,
});

// A put writes its new inode's record while a rotation (or a repair) rewrites the old inode's:
// both read-modify-write the same sidecar file, and neither may drop the other's record.
for (const sync of [true, false]) {
  test(`concurrent writers of one key's sidecar never lose a record (${sync ? "sync" : "async"} I/O)`, async () => {
    const bucketPath = join(dir, `b-${sync}`);
    mkdirSync(bucketPath, { recursive: true });
    const store = new SidecarStore(fsOps(sync));
    for (let round = 0; round < 40; round++) {
      const t = { bucketPath, key: `k${round}` };
      await store.write(t, record(1, "old"));
      await Promise.all([store.write(t, record(2, "new")), store.write(t, record(1, "old-rewrapped"))]);
      expect((await store.read(t, 2n))?.e).toBe("new");
      expect((await store.read(t, 1n))?.e).toBe("old-rewrapped");
    }
  });
}
