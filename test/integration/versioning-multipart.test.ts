/**
 * Multipart uploads in versioned buckets: UploadPartCopy from any version of its source, and
 * the version id of a CompleteMultipartUpload that answers with keep-alive spaces.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import {
  bytes,
  md5Hex,
  objectPath,
  sdkFailure,
  signedFetch,
  startHost,
  uniqueBucket,
  useHost,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3 } = useHost({ bucket: false });
const MiB = 1024 * 1024;

async function versionedBucket(prefix: string): Promise<string> {
  const bucket = uniqueBucket(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
  return bucket;
}

async function body(bucket: string, key: string, versionId?: string) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return { bytes: await got.Body!.transformToByteArray(), versionId: got.VersionId };
}

describe("UploadPartCopy from a version", () => {
  test("copies the version named, or the current one, and answers x-amz-copy-source-version-id", async () => {
    const bucket = await versionedBucket("vpartcopy");
    const old = bytes(5 * MiB, 7);
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: old }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "newer" }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "dst" }));
    const fromOld = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: "dst",
        UploadId,
        PartNumber: 1,
        CopySource: `${bucket}/src?versionId=${v1.VersionId}`,
      }),
    );
    expect(fromOld.CopySourceVersionId).toBe(v1.VersionId);
    expect(fromOld.CopyPartResult?.ETag).toBe(`"${md5Hex(old)}"`);
    // Without a version id the current version is copied; a versioned source still names it.
    const fromCurrent = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: "dst",
        UploadId,
        PartNumber: 2,
        CopySource: `${bucket}/src`,
        CopySourceRange: "bytes=0-2",
      }),
    );
    expect(fromCurrent.CopySourceVersionId).toBe(v2.VersionId);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "dst",
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: fromOld.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: fromCurrent.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const got = await body(bucket, "dst");
    expect(got.versionId).toBe(done.VersionId);
    expect(got.bytes.length).toBe(old.length + 3);
    expect(md5Hex(got.bytes.subarray(0, old.length))).toBe(md5Hex(old));
    expect(new TextDecoder().decode(got.bytes.subarray(old.length))).toBe("new");
  });

  test("a delete marker by id is 400 InvalidRequest, an unknown id 404 NoSuchVersion", async () => {
    const bucket = await versionedBucket("vpartcopy-err");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "data" }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "src" }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "dst" }));
    const copy = (source: string) =>
      sdkFailure(
        s3.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: "dst",
            UploadId,
            PartNumber: 1,
            CopySource: source,
          }),
        ),
      );
    const fromMarker = await copy(`${bucket}/src?versionId=${marker.VersionId}`);
    expect([fromMarker.status, fromMarker.name]).toEqual([400, "InvalidRequest"]);
    const unknown = await copy(`${bucket}/src?versionId=${"0".repeat(29)}`);
    expect([unknown.status, unknown.name]).toEqual([404, "NoSuchVersion"]);
    const deleted = await copy(`${bucket}/src`);
    expect([deleted.status, deleted.name]).toEqual([404, "NoSuchKey"]);
  });

  test("an unversioned source: no x-amz-copy-source-version-id; versionId=null reads the object", async () => {
    const bucket = uniqueBucket("partcopy-plain");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "plain" }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "dst" }));
    const copy = (source: string, PartNumber: number) =>
      s3.send(
        new UploadPartCopyCommand({ Bucket: bucket, Key: "dst", UploadId, PartNumber, CopySource: source }),
      );
    expect((await copy(`${bucket}/src`, 1)).CopySourceVersionId).toBeUndefined();
    const byNull = await copy(`${bucket}/src?versionId=null`, 2);
    expect(byNull.CopyPartResult?.ETag).toBe(`"${md5Hex("plain")}"`);
    const other = await sdkFailure(copy(`${bucket}/src?versionId=${"0".repeat(29)}`, 3));
    expect([other.status, other.name]).toEqual([404, "NoSuchVersion"]);
  });
});

/**
 * A second host on the same root whose Completes stop once their parts are assembled, until
 * the test removes the pause file (src/host/test-pause.ts): a Complete held there answers only
 * through the keep-alive path (headers after 2 s, the document when released).
 */
async function withPausedCompletes(
  run: (paused: typeof server, release: () => Promise<void>) => Promise<void>,
) {
  const pauseDir = mkdtempSync(join(tmpdir(), "s3dir-cpause-"));
  const marker = join(pauseDir, "complete-assembled");
  const paused = await startHost({
    root: server.root,
    env: { S3DIR_TEST_PAUSE_AT: "complete-assembled", S3DIR_TEST_PAUSE_DIR: pauseDir },
  });
  try {
    await run(paused, async () => {
      expect(await waitFor(() => existsSync(marker), 30_000, 20)).toBe(true);
      rmSync(marker);
    });
  } finally {
    rmSync(marker, { force: true });
    await paused.stop();
    rmSync(pauseDir, { recursive: true, force: true });
  }
}

/** An upload of one part with this body; the Complete request's XML. */
async function onePartUpload(bucket: string, key: string, text: string) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const part = await s3.send(
    new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: text }),
  );
  const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.ETag}</ETag></Part></CompleteMultipartUpload>`;
  return { uploadId: UploadId!, xml };
}

async function versionsOf(bucket: string) {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return (listed.Versions ?? []).map((v) => [v.VersionId, v.IsLatest]);
}

describe("a CompleteMultipartUpload that answers with keep-alive spaces", () => {
  test("sends x-amz-version-id with its first byte: the id the new version gets", async () => {
    const bucket = await versionedBucket("vslow");
    const before = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "big", Body: "before" }));
    const { uploadId, xml } = await onePartUpload(bucket, "big", "after");
    await withPausedCompletes(async (paused, release) => {
      // fetch resolves with the headers, which come while the Complete is held.
      const response = await signedFetch(paused, objectPath(bucket, "big"), {
        method: "POST",
        query: { uploadId },
        body: xml,
      });
      expect(response.status).toBe(200);
      const versionId = response.headers.get("x-amz-version-id") ?? "";
      expect(versionId).toMatch(/^[0-9a-z]{29}$/);
      await release();
      const text = await response.text();
      expect(text).toContain("<CompleteMultipartUploadResult");
      expect(text).not.toContain("<Error>");
      const got = await body(bucket, "big");
      expect(new TextDecoder().decode(got.bytes)).toBe("after");
      expect(got.versionId).toBe(versionId);
      expect(await versionsOf(bucket)).toEqual([
        [versionId, true],
        [before.VersionId, false],
      ]);
    });
  });

  test("a write that lands while it runs stays current; the Complete's version is kept below it", async () => {
    const bucket = await versionedBucket("vslow-race");
    const before = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "big", Body: "before" }));
    const { uploadId, xml } = await onePartUpload(bucket, "big", "completed");
    await withPausedCompletes(async (paused, release) => {
      const response = await signedFetch(paused, objectPath(bucket, "big"), {
        method: "POST",
        query: { uploadId },
        body: xml,
      });
      const versionId = response.headers.get("x-amz-version-id") ?? "";
      expect(versionId).toMatch(/^[0-9a-z]{29}$/);
      // Started after the Complete, so its version is the newer one (S3: the latest request wins).
      const later = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "big", Body: "later" }));
      expect(later.VersionId! > versionId).toBe(true);
      await release();
      const text = await response.text();
      expect(text).toContain("<CompleteMultipartUploadResult");
      expect(text).not.toContain("<Error>");
      expect(await versionsOf(bucket)).toEqual([
        [later.VersionId, true],
        [versionId, false],
        [before.VersionId, false],
      ]);
      expect(new TextDecoder().decode((await body(bucket, "big")).bytes)).toBe("later");
      const kept = await body(bucket, "big", versionId);
      expect([new TextDecoder().decode(kept.bytes), kept.versionId]).toEqual(["completed", versionId]);
    });
  });

  test("a delete that lands while it runs stays the newest version: its marker", async () => {
    const bucket = await versionedBucket("vslow-delete");
    const before = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "big", Body: "before" }));
    const { uploadId, xml } = await onePartUpload(bucket, "big", "completed");
    await withPausedCompletes(async (paused, release) => {
      const response = await signedFetch(paused, objectPath(bucket, "big"), {
        method: "POST",
        query: { uploadId },
        body: xml,
      });
      const versionId = response.headers.get("x-amz-version-id") ?? "";
      expect(versionId).toMatch(/^[0-9a-z]{29}$/);
      const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "big" }));
      await release();
      expect(await response.text()).toContain("<CompleteMultipartUploadResult");
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[marker.VersionId, true]]);
      expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
        [versionId, false],
        [before.VersionId, false],
      ]);
      const gone = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "big" })));
      expect(gone.status).toBe(404);
      const kept = await body(bucket, "big", versionId);
      expect(new TextDecoder().decode(kept.bytes)).toBe("completed");
    });
  });
});
