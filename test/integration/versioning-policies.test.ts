/**
 * The version actions of IAM and bucket policies: s3:GetObjectVersion, s3:DeleteObjectVersion,
 * s3:GetObjectVersionAttributes, s3:ListBucketVersions, s3:Put/GetBucketVersioning, and the
 * s3:versionid condition key.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import {
  outcome,
  userWithPolicy as policyUser,
  s3Client,
  sdkFailure,
  startServer,
  type TestServer,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

let root: string;
let policyDir: string;
let server: TestServer;
let admin: S3Client;
const bucket = "versioned-data";
let v1: string;
let v2: string;

async function userWithPolicy(name: string, statements: object[]): Promise<S3Client> {
  return s3Client(server, await policyUser(root, policyDir, name, statements));
}

const objects = `arn:aws:s3:::${bucket}/*`;
const bucketArn = `arn:aws:s3:::${bucket}`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "s3dir-vpolicies-"));
  policyDir = mkdtempSync(join(tmpdir(), "s3dir-vpolicy-docs-"));
  server = await startServer({ root });
  admin = s3Client(server);
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  await admin.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
  v1 = (await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "doc", Body: "one" }))).VersionId!;
  v2 = (await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "doc", Body: "two" }))).VersionId!;
});
afterAll(async () => {
  admin?.destroy();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(policyDir, { recursive: true, force: true });
});

describe("a user allowed the current objects only", () => {
  let user: S3Client;
  beforeAll(async () => {
    user = await userWithPolicy("current-only", [
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectAttributes"],
        Resource: objects,
      },
      { Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
    ]);
  });
  afterAll(() => user?.destroy());

  test("reads the current version, not one named by id", async () => {
    expect(await outcome(user.send(new GetObjectCommand({ Bucket: bucket, Key: "doc" })))).toBe("allowed");
    expect(
      await outcome(user.send(new GetObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }))),
    ).toBe("AccessDenied");
    // HEAD errors carry no body: the status says it.
    const head = await sdkFailure(
      user.send(new HeadObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 })),
    );
    expect(head.status).toBe(403);
    const attrs = (versionId?: string) =>
      user.send(
        new GetObjectAttributesCommand({
          Bucket: bucket,
          Key: "doc",
          VersionId: versionId,
          ObjectAttributes: ["ETag"],
        }),
      );
    expect(await outcome(attrs())).toBe("allowed");
    expect(await outcome(attrs(v1))).toBe("AccessDenied");
  });

  test("may not list versions, copy from a version, delete a version, or change versioning", async () => {
    expect(await outcome(user.send(new ListObjectVersionsCommand({ Bucket: bucket })))).toBe("AccessDenied");
    expect(
      await outcome(
        user.send(
          new CopyObjectCommand({ Bucket: bucket, Key: "copy", CopySource: `${bucket}/doc?versionId=${v1}` }),
        ),
      ),
    ).toBe("AccessDenied");
    const { UploadId } = await user.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "parts" }));
    const partCopy = (CopySource: string) =>
      outcome(
        user.send(
          new UploadPartCopyCommand({ Bucket: bucket, Key: "parts", UploadId, PartNumber: 1, CopySource }),
        ),
      );
    expect(await partCopy(`${bucket}/doc?versionId=${v1}`)).toBe("AccessDenied");
    expect(await partCopy(`${bucket}/doc`)).toBe("allowed");
    expect(
      await outcome(user.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }))),
    ).toBe("AccessDenied");
    const batch = await user.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "doc", VersionId: v1 }] } }),
    );
    expect(batch.Errors?.map((e) => [e.Key, e.VersionId, e.Code])).toEqual([["doc", v1, "AccessDenied"]]);
    expect(
      await outcome(
        user.send(
          new PutBucketVersioningCommand({
            Bucket: bucket,
            VersioningConfiguration: { Status: "Suspended" },
          }),
        ),
      ),
    ).toBe("AccessDenied");
    expect(await outcome(user.send(new GetBucketVersioningCommand({ Bucket: bucket })))).toBe("AccessDenied");
    // Both versions are still there.
    const listed = await admin.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "doc" }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual([v2, v1]);
  });
});

describe("the s3:versionid condition key", () => {
  test("a grant of s3:GetObjectVersion for one version id reads that version only", async () => {
    const user = await userWithPolicy("one-version", [
      {
        Effect: "Allow",
        Action: "s3:GetObjectVersion",
        Resource: objects,
        Condition: { StringEquals: { "s3:versionid": v1 } },
      },
      { Effect: "Allow", Action: ["s3:ListBucketVersions", "s3:GetBucketVersioning"], Resource: bucketArn },
    ]);
    const got = await user.send(new GetObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }));
    expect(await got.Body!.transformToString()).toBe("one");
    expect(
      await outcome(user.send(new GetObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v2 }))),
    ).toBe("AccessDenied");
    expect(await outcome(user.send(new GetObjectCommand({ Bucket: bucket, Key: "doc" })))).toBe(
      "AccessDenied",
    );
    expect(await outcome(user.send(new ListObjectVersionsCommand({ Bucket: bucket })))).toBe("allowed");
    expect((await user.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    user.destroy();
  });
});

describe("a bucket policy", () => {
  test("an explicit Deny of s3:DeleteObjectVersion stops even the root credential; a plain DELETE still works", async () => {
    await admin.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Deny", Principal: "*", Action: "s3:DeleteObjectVersion", Resource: objects },
          ],
        }),
      }),
    );
    try {
      expect(
        await outcome(admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }))),
      ).toBe("AccessDenied");
      const marker = await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc" }));
      expect(marker.DeleteMarker).toBe(true);
    } finally {
      await admin.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    }
    const listed = await admin.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "doc" }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual([v2, v1]);
  });
});
