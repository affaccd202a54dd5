/**
 * A store on the calls used for network filesystems (worker threads and the runtime's pool, no
 * blocking call on the event loop) keeps the local store's guarantees against a POSIX user's
 * symlinks in key positions.
 */
import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { createPosixStore } from "../../src/storage/posix-store.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/${prefix}`);
  dirs.push(dir);
  return dir;
}

describe.each([true, false])("syncMetadataIo %p", (sync) => {
  test("a symlinked directory in a key's path is never written through", async () => {
    const root = tempDir("s3dir-netops-");
    const outside = tempDir("s3dir-outside-");
    const store = await createPosixStore({ root, fsync: false, syncMetadataIo: sync });
    try {
      await store.createBucket("bkt");
      fs.symlinkSync(outside, `${root}/bkt/link`);
      const put = (key: string) =>
        store.putObject({
          bucket: "bkt",
          key,
          body: new Blob(["data"]).stream(),
          attributes: { userMetadata: {} },
          verify: {},
        });
      await put("link/x").catch(() => {});
      await put("link/deeper/y").catch(() => {});
      expect(fs.readdirSync(outside)).toEqual([]);
      expect(fs.readlinkSync(`${root}/bkt/link`)).toBe(outside);
      // A plain key next to it is stored as usual.
      await put("plain/z");
      expect(fs.readFileSync(`${root}/bkt/plain/z`, "utf8")).toBe("data");
    } finally {
      await store.close();
    }
  });
});
