/** A key never escapes its bucket, POSIX conflicts are 409s, and failed uploads leave no trace. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  abortedUpload,
  bytes,
  errorCodeOf,
  md5Base64,
  objectPath,
  rawRequest,
  sha256Hex,
  signedFetch,
  uniqueBucket,
  useHost,
  waitFor,
  walk,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const { server, s3 } = useHost({ bucket: false });
let outside: string;
let outsideName: string;
const secret = `TOP-SECRET-${crypto.randomUUID()}`;
const bucket = uniqueBucket("safe");

beforeAll(async () => {
  outside = mkdtempSync(join(tmpdir(), "s3dir-outside-"));
  outsideName = basename(outside);
  writeFileSync(join(outside, "secret.txt"), secret);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/inside.txt", Body: "inside" }));
});
afterAll(async () => {
  if (outside) rmSync(outside, { recursive: true, force: true });
});

/** The outside directory must hold only its secret, untouched. */
function expectOutsideUntouched(): void {
  expect(readdirSync(outside)).toEqual(["secret.txt"]);
  expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe(secret);
}

describe("path traversal", () => {
  // From the bucket directory <root>/<bucket>, the outside directory is ../../<outsideName>.
  const traversals = () => {
    const up = relative(join(server.root, bucket), outside).split("/").length - 1;
    const dots = Array.from({ length: up }, () => "..");
    return [
      `/${bucket}/${dots.join("/")}/${outsideName}/secret.txt`,
      `/${bucket}/${dots.map(() => "%2e%2e").join("/")}/${outsideName}/secret.txt`,
      `/${bucket}/${dots.map(() => "%2E%2E").join("/")}/${outsideName}/secret.txt`,
      `/${bucket}/${dots.join("%2F")}%2F${outsideName}%2Fsecret.txt`,
      `/${bucket}/${dots.map(() => "%2e%2e").join("%2f")}%2f${outsideName}%2fsecret.txt`,
      `/${bucket}/a%2F${dots.join("%2F")}%2F..%2F${outsideName}%2Fsecret.txt`,
      `/${bucket}/a/..%2F${dots.join("%2F")}%2F${outsideName}/secret.txt`,
      `/${bucket}/a/${dots.join("/")}/../${outsideName}/secret.txt`,
    ];
  };
  // Odd but legitimate keys: they name files inside the bucket and must not be decoded into `..`.
  const lookalikes = () => [
    `/${bucket}/..%5C..%5C${outsideName}%5Csecret.txt`,
    `/${bucket}/%252e%252e/%252e%252e/${outsideName}/secret.txt`,
  ];

  test("GET and HEAD never read outside the bucket", async () => {
    for (const target of [...traversals(), ...lookalikes()]) {
      for (const method of ["GET", "HEAD"]) {
        const response = await rawRequest(server, { method, target, sign: true });
        // The signature must be accepted, so that the key handling is what refuses the request.
        const code = errorCodeOf(response.body);
        expect({
          target,
          method,
          leaked: response.body.includes(secret),
          ok: response.status < 300,
          code,
        }).toEqual({
          target,
          method,
          leaked: false,
          ok: false,
          code: method === "HEAD" ? "" : expect.not.stringMatching(/^(SignatureDoesNotMatch|)$/),
        });
      }
    }
  });

  test("/etc/passwd is not readable", async () => {
    for (const target of [
      `/${bucket}/a/../../etc/passwd`,
      `/${bucket}/a%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd`,
      `/${bucket}/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd`,
    ]) {
      const response = await rawRequest(server, { target, sign: true });
      expect({ target, status: response.status < 300, leaked: response.body.includes("root:") }).toEqual({
        target,
        status: false,
        leaked: false,
      });
    }
  });

  test("PUT never writes outside the bucket, and keys with dot segments are refused", async () => {
    const rootBefore = readdirSync(server.root).sort();
    for (const target of traversals()) {
      const put = {
        method: "PUT",
        target: target.replace(/secret\.txt$/, "pwned.txt"),
        body: "pwned",
        sign: true,
      };
      const response = await rawRequest(server, put);
      expect(errorCodeOf(response.body)).not.toBe("SignatureDoesNotMatch");
      expect({ target, status: response.status >= 400 && response.status < 500 }).toEqual({
        target,
        status: true,
      });
    }
    for (const target of lookalikes()) {
      const put = {
        method: "PUT",
        target: target.replace(/secret\.txt$/, "pwned.txt"),
        body: "pwned",
        sign: true,
      };
      const response = await rawRequest(server, put);
      expect({
        target,
        status: response.status === 200 || (response.status >= 400 && response.status < 500),
      }).toEqual({
        target,
        status: true,
      });
    }
    const refused = [
      `/${bucket}/a%2F..%2Fb.txt`,
      `/${bucket}/a/.%2Fb.txt`,
      `/${bucket}/x%2F..%2F..%2Fetc%2Fpasswd`,
    ];
    for (const target of refused) {
      const response = await rawRequest(server, { method: "PUT", target, body: "pwned", sign: true });
      expect({ target, status: response.status }).toEqual({ target, status: 400 });
    }
    expectOutsideUntouched();
    expect(readdirSync(server.root).sort()).toEqual(rootBefore);
    const stray = walk(server.root).filter((p) => p.endsWith("pwned.txt") || p.endsWith("passwd"));
    // Only the look-alike keys may exist, as files inside the bucket whose path has no dot-dot segment.
    for (const path of stray) {
      expect(path.startsWith(`${bucket}/`) && !path.split("/").includes("..")).toBe(true);
    }
    for (const path of walk(join(server.root, bucket)).filter((p) => p.includes(outsideName))) {
      expect({ path, lookalike: path.startsWith("%2e%2e/") || path.startsWith("..\\") }).toEqual({
        path,
        lookalike: true,
      });
    }
    expect(existsSync(join(server.root, "..", "pwned.txt"))).toBe(false);
  });

  test("DELETE and DeleteObjects never remove files outside the bucket", async () => {
    for (const target of traversals()) {
      await rawRequest(server, { method: "DELETE", target, sign: true });
    }
    const up = relative(join(server.root, bucket), outside);
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: `${up}/secret.txt` }, { Key: `a/../${up}/secret.txt` }] },
      }),
    );
    expectOutsideUntouched();
    expect(existsSync(join(server.root, bucket, "a/inside.txt"))).toBe(true);
  });

  test("CopyObject never copies from outside the bucket", async () => {
    const up = relative(join(server.root, bucket), outside);
    for (const source of [
      `${bucket}/${up}/secret.txt`,
      `${bucket}/${up.replace(/\//g, "%2F")}%2Fsecret.txt`,
      `/${bucket}/a/../${up}/secret.txt`,
      `${bucket}/${up.replace(/\.\./g, "%2e%2e")}/secret.txt`,
    ]) {
      const response = await signedFetch(server, objectPath(bucket, "copied-secret.txt"), {
        method: "PUT",
        headers: { "x-amz-copy-source": source },
      });
      expect({ source, ok: response.status < 300 }).toEqual({ source, ok: false });
      const got = await signedFetch(server, objectPath(bucket, "copied-secret.txt"));
      expect(await got.text()).not.toContain(secret);
    }
  });

  test("listing with a dot-dot prefix shows nothing outside", async () => {
    const up = relative(join(server.root, bucket), outside);
    for (const prefix of [`${up}/`, "../", `a/../${up}/`]) {
      const response = await signedFetch(server, `/${bucket}`, { query: { "list-type": "2", prefix } });
      const body = await response.text();
      expect({ prefix, leaked: body.includes("secret.txt") }).toEqual({ prefix, leaked: false });
    }
  });
});

describe("symlinks", () => {
  beforeAll(() => {
    const bucketDir = join(server.root, bucket);
    symlinkSync(join(outside, "secret.txt"), join(bucketDir, "link-abs.txt"));
    symlinkSync(relative(bucketDir, join(outside, "secret.txt")), join(bucketDir, "link-rel.txt"));
    symlinkSync(outside, join(bucketDir, "linkdir"));
  });

  test("a symlink pointing outside the root is not served", async () => {
    for (const key of ["link-abs.txt", "link-rel.txt", "linkdir/secret.txt"]) {
      for (const method of ["GET", "HEAD"]) {
        const response = await signedFetch(server, objectPath(bucket, key), { method });
        const body = await response.text();
        expect({ key, method, ok: response.status < 300, leaked: body.includes(secret) }).toEqual({
          key,
          method,
          ok: false,
          leaked: false,
        });
      }
    }
    const ranged = await signedFetch(server, objectPath(bucket, "link-abs.txt"), {
      headers: { range: "bytes=0-5" },
    });
    expect(await ranged.text()).not.toContain(secret.slice(0, 6));
  });

  test("listing does not descend into a symlinked directory outside the root", async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "linkdir" }));
    expect((listed.Contents ?? []).map((c) => c.Key)).not.toContain("linkdir/secret.txt");
  });

  test("writes, copies and deletes through a symlink do not reach outside", async () => {
    // The symlinked directory is never entered: the key is stored in the alternate area.
    const put = await signedFetch(server, objectPath(bucket, "linkdir/evil.txt"), {
      method: "PUT",
      body: "evil",
    });
    expect(put.status).toBe(200);
    expect(existsSync(join(server.root, bucket, ".s3dir", "keys"))).toBe(true);
    const overwrite = await signedFetch(server, objectPath(bucket, "link-abs.txt"), {
      method: "PUT",
      body: "overwritten",
    });
    // Replacing the link itself is acceptable; writing through it is not.
    expect(overwrite.status === 200 || overwrite.status >= 400).toBe(true);
    await signedFetch(server, objectPath(bucket, "linkdir/secret.txt"), { method: "DELETE" });
    const copy = await signedFetch(server, objectPath(bucket, "from-link.txt"), {
      method: "PUT",
      headers: { "x-amz-copy-source": `${bucket}/link-rel.txt` },
    });
    expect(copy.status).toBeGreaterThanOrEqual(400);
    expectOutsideUntouched();
  });
});

describe("keys POSIX cannot hold beside each other (both kept: the second in the alternate area)", () => {
  async function text(key: string): Promise<string> {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await got.Body!.transformToString();
  }

  const pairs: [string, string][] = [
    ["c1/a", "c1/a/b"],
    ["c2/a/b", "c2/a"],
    ["c3/deep", "c3/deep/er/est.txt"],
    ["c4/file", "c4/file/"],
    ["c5/dir/", "c5/dir"],
  ];
  for (const [first, second] of pairs) {
    test(`${first} then ${second}: both stored, the first keeps its path`, async () => {
      const firstBody = first.endsWith("/") ? "" : `first:${first}`;
      const secondBody = second.endsWith("/") ? "" : "second";
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: first, Body: firstBody }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: second, Body: secondBody }));
      expect(await text(first)).toBe(firstBody);
      expect(await text(second)).toBe(secondBody);
      expect(existsSync(join(server.root, bucket, first))).toBe(true);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: first.split("/")[0] }));
      expect((listed.Contents ?? []).map((c) => c.Key)).toEqual([first, second].sort());
    });
  }

  const multipartPairs: [string, string][] = [
    ["c7/file", "c7/file/b"],
    ["c8/dir/child", "c8/dir"],
  ];
  for (const [existing, key] of multipartPairs) {
    test(`a multipart upload of ${key} while ${existing} exists completes beside it`, async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: existing, Body: "there" }));
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: created.UploadId,
          PartNumber: 1,
          Body: "mp",
        }),
      );
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: created.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      );
      expect(await text(key)).toBe("mp");
      expect(await text(existing)).toBe("there");
    });
  }

  test("CreateMultipartUpload over empty leftover directories is allowed", async () => {
    mkdirSync(join(server.root, bucket, "c9", "empty", "deeper"), { recursive: true });
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "c9/empty" }));
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: "c9/empty", UploadId: created.UploadId }),
    );
  });

  test("CopyObject onto a key below a file", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "c6/x", Body: "x" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "c6-src", Body: "src" }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "c6/x/y", CopySource: `${bucket}/c6-src` }));
    expect(await text("c6/x/y")).toBe("src");
    expect(await text("c6/x")).toBe("x");
  });
});

describe("failed uploads leave no trace", () => {
  const failBucket = uniqueBucket("fail");
  const bucketDir = () => join(server.root, failBucket);
  const tmp = () => bucketState(server.root, failBucket, "tmp");
  /** Every non-directory entry of the bucket directory, staging area included. */
  const files = () =>
    walk(bucketDir()).filter((p) => {
      // An entry can vanish between the walk and the lstat (the server removing a temp file).
      const st = lstatSync(join(bucketDir(), p), { throwIfNoEntry: false });
      return st !== undefined && !st.isDirectory();
    });

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: failBucket }));
    await s3.send(new PutObjectCommand({ Bucket: failBucket, Key: "fail/existing.txt", Body: "intact" }));
  });

  async function expectNoTrace(key: string, before: string[]) {
    // The server may notice a vanished client a moment later; give it a few seconds to clean up.
    const clean = await waitFor(() => walk(tmp()).length === 0 && files().join() === before.join(), 10_000);
    expect({ tmp: walk(tmp()), files: files() }).toEqual({ tmp: [], files: before });
    expect(clean).toBe(true);
    expect(existsSync(join(bucketDir(), key))).toBe(false);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: failBucket, Prefix: key }));
    expect((listed.Contents ?? []).map((c) => c.Key)).toEqual([]);
    expect((await signedFetch(server, objectPath(failBucket, key), { method: "HEAD" })).status).toBe(404);
  }

  test("bad Content-MD5", async () => {
    const before = files();
    const response = await signedFetch(server, objectPath(failBucket, "fail/digest.bin"), {
      method: "PUT",
      body: bytes(200_000, 2),
      headers: { "content-md5": md5Base64("something else") },
    });
    expect(response.status).toBe(400);
    await expectNoTrace("fail/digest.bin", before);
  });

  test("wrong x-amz-content-sha256", async () => {
    const before = files();
    const response = await signedFetch(server, objectPath(failBucket, "fail/new-dir/sha.bin"), {
      method: "PUT",
      body: bytes(150_000, 3),
      headers: { "x-amz-content-sha256": await sha256Hex("other") },
    });
    expect(response.status).toBe(400);
    await expectNoTrace("fail/new-dir/sha.bin", before);
  });

  test("client disconnect mid-body", async () => {
    const before = files();
    await abortedUpload(server, objectPath(failBucket, "fail/aborted.bin"), 4 * 1024 * 1024, 256 * 1024);
    await expectNoTrace("fail/aborted.bin", before);
  });

  test("client disconnect mid-body while overwriting keeps the old object", async () => {
    const before = files();
    await abortedUpload(server, objectPath(failBucket, "fail/existing.txt"), 2 * 1024 * 1024, 128 * 1024);
    expect(await waitFor(() => walk(tmp()).length === 0 && files().join() === before.join(), 10_000)).toBe(
      true,
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: failBucket, Key: "fail/existing.txt" }));
    expect(await got.Body!.transformToString()).toBe("intact");
  });

  test("successful uploads leave the staging area empty too", async () => {
    await s3.send(new PutObjectCommand({ Bucket: failBucket, Key: "fail/ok.bin", Body: bytes(50_000, 4) }));
    expect(walk(tmp())).toEqual([]);
    expect(files()).toContain("fail/ok.bin");
  });
});
