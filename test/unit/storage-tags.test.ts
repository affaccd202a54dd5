import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { createPosixStore, type ObjectTag, type PosixStore } from "../../src/storage/index.ts";
import { storageFailure } from "../helpers/storage-failure.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) {
    Bun.spawnSync(["chattr", "-R", "-i", r], { stderr: "ignore" });
    fs.rmSync(r, { recursive: true, force: true });
  }
});

const body = (data: string) => new Blob([data]).stream();
const tags: ObjectTag[] = [
  { key: "project", value: "blue" },
  { key: "é k", value: "v=1&2" },
];

async function makeStore(kind: "xattr" | "file", objectLock = false): Promise<PosixStore> {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-tags-`);
  roots.push(root);
  const store = await createPosixStore({ root, fsync: false, metadataStore: kind });
  await store.createBucket("bkt", { objectLock });
  return store;
}

const put = (s: PosixStore, key: string, data: string, t?: ObjectTag[]) =>
  s.putObject({
    bucket: "bkt",
    key,
    body: body(data),
    attributes: t ? { userMetadata: {}, tags: t } : { userMetadata: {} },
    verify: {},
  });

for (const kind of ["xattr", "file"] as const) {
  describe(`object tags (${kind} records)`, () => {
    test("tags given with a PUT are kept in the record and reported by head and getObjectTagging", async () => {
      const s = await makeStore(kind);
      await put(s, "k", "data", tags);
      expect((await s.headObject("bkt", "k")).tags).toEqual(tags);
      expect((await s.getObjectTagging("bkt", "k")).tags).toEqual(tags);
      await put(s, "plain", "data");
      expect((await s.headObject("bkt", "plain")).tags).toBeUndefined();
      expect((await s.getObjectTagging("bkt", "plain")).tags).toEqual([]);
    });

    test("putObjectTagging replaces the tags, an empty list removes them, the bytes stay", async () => {
      const s = await makeStore(kind);
      await put(s, "k", "data", tags);
      await s.putObjectTagging("bkt", "k", undefined, [{ key: "a", value: "" }]);
      expect((await s.getObjectTagging("bkt", "k")).tags).toEqual([{ key: "a", value: "" }]);
      await s.putObjectTagging("bkt", "k", undefined, []);
      const info = await s.headObject("bkt", "k");
      expect(info.tags).toBeUndefined();
      expect(info.etag).toBe("8d777f385d3dfec8815d20f7496026dc");
    });

    test("tags of a file written through POSIX: its record is made", async () => {
      const s = await makeStore(kind);
      fs.writeFileSync(`${s.root}/bkt/posix`, "data");
      await s.putObjectTagging("bkt", "posix", undefined, tags);
      const info = await s.headObject("bkt", "posix");
      expect(info.tags).toEqual(tags);
      expect(info.etag).toBe("8d777f385d3dfec8815d20f7496026dc");
    });

    test("each version has its own tags", async () => {
      const s = await makeStore(kind);
      await s.putBucketVersioning("bkt", "Enabled");
      const v1 = (await put(s, "k", "one", tags)).versionId!;
      const v2 = (await put(s, "k", "two")).versionId!;
      expect((await s.getObjectTagging("bkt", "k")).tags).toEqual([]);
      expect(await s.getObjectTagging("bkt", "k", v1)).toEqual({ versionId: v1, tags });
      await s.putObjectTagging("bkt", "k", v1, [{ key: "old", value: "yes" }]);
      expect((await s.getObjectTagging("bkt", "k", v1)).tags).toEqual([{ key: "old", value: "yes" }]);
      expect((await s.getObjectTagging("bkt", "k", v2)).tags).toEqual([]);
      const e = await storageFailure(s.getObjectTagging("bkt", "missing"));
      expect(e.code).toBe("NoSuchKey");
    });

    test("copies keep the source's tags unless new ones are given, whatever the metadata directive", async () => {
      const s = await makeStore(kind);
      await put(s, "src", "data", tags);
      await s.copyObject({ sourceBucket: "bkt", sourceKey: "src", bucket: "bkt", key: "same" });
      expect((await s.headObject("bkt", "same")).tags).toEqual(tags);
      await s.copyObject({
        sourceBucket: "bkt",
        sourceKey: "src",
        bucket: "bkt",
        key: "meta",
        attributes: { userMetadata: { a: "b" } },
      });
      expect((await s.headObject("bkt", "meta")).tags).toEqual(tags);
      await s.copyObject({ sourceBucket: "bkt", sourceKey: "src", bucket: "bkt", key: "none", tags: [] });
      expect((await s.headObject("bkt", "none")).tags).toBeUndefined();
    });

    test("a multipart upload applies its tags at completion", async () => {
      const s = await makeStore(kind);
      const upload = await s.multipart.create({
        bucket: "bkt",
        key: "mp",
        attributes: { userMetadata: {}, tags },
      });
      const part = await s.multipart.uploadPart({
        bucket: "bkt",
        key: "mp",
        uploadId: upload.uploadId,
        partNumber: 1,
        body: body("part"),
        verify: {},
      });
      await s.multipart.complete({
        bucket: "bkt",
        key: "mp",
        uploadId: upload.uploadId,
        parts: [{ partNumber: 1, etag: part.etag, checksums: {} }],
      });
      expect((await s.headObject("bkt", "mp")).tags).toEqual(tags);
    });

    test("a locked current version can be tagged and stays protected", async () => {
      const s = await makeStore(kind, true);
      const r = await s.putObject({
        bucket: "bkt",
        key: "k",
        body: body("data"),
        attributes: { userMetadata: {} },
        verify: {},
        lock: { legalHold: true },
      });
      await s.putObjectTagging("bkt", "k", undefined, tags);
      expect((await s.getObjectTagging("bkt", "k", r.versionId)).tags).toEqual(tags);
      expect((await s.getObjectLock("bkt", "k")).lock).toEqual({ legalHold: true });
      const e = await storageFailure(s.deleteObject("bkt", "k", r.versionId));
      expect(e.lock?.reason).toBe("ObjectLocked");
    });
  });
}
