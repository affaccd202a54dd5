import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { createPosixStore } from "../../src/storage/index.ts";
import { code } from "../helpers/storage-error-code.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/**
 * The publisher's own open of the key's directory, past the key-place check: a directory
 * swapped for a symlink in between (a POSIX user racing the upload) is never entered.
 */
describe.each([true, false])("publishing below a directory swapped for a symlink, sync I/O %p", (syncIo) => {
  test("the rename never lands outside the bucket", async () => {
    const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-pubpar-`);
    const outside = fs.mkdtempSync(`${os.tmpdir()}/s3dir-outside-`);
    roots.push(root, outside);
    const s = await createPosixStore({ root, fsync: false, syncMetadataIo: syncIo, cleanStaleTemps: false });
    await s.createBucket("bkt");
    fs.mkdirSync(`${root}/bkt/d`);
    fs.mkdirSync(`${root}/bkt/d/e`);
    const temp = `${root}/.s3dir/buckets/bkt/tmp/put-swapped`;
    fs.mkdirSync(`${root}/.s3dir/buckets/bkt/tmp`, { recursive: true });
    for (const [key, link] of [
      ["d/x", "d"],
      ["d/e/x", "d/e"],
    ] as const) {
      fs.writeFileSync(temp, "payload");
      fs.rmSync(`${root}/bkt/${link}`, { recursive: true });
      fs.symlinkSync(outside, `${root}/bkt/${link}`);
      expect(await code(s.publisher.place("bkt", key, temp))).toBe("ParentIsObject");
      expect(fs.readdirSync(outside)).toEqual([]);
      fs.unlinkSync(`${root}/bkt/${link}`);
      fs.mkdirSync(`${root}/bkt/d/e`, { recursive: true });
    }
    // The bucket directory itself replaced by a link: no such bucket, nothing written there.
    fs.renameSync(`${root}/bkt`, `${root}/bkt-moved`);
    fs.symlinkSync(outside, `${root}/bkt`);
    fs.writeFileSync(temp, "payload");
    expect(await code(s.publisher.place("bkt", "y", temp))).toBe("NoSuchBucket");
    expect(fs.readdirSync(outside)).toEqual([]);
    await s.close();
  });
});
