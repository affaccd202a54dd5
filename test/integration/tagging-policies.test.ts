/**
 * Tags in IAM and bucket policies: the tagging actions (with their Version variants), and the
 * condition keys s3:ExistingObjectTag/<key>, s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectTaggingCommand,
  DeletePublicAccessBlockCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  outcome,
  userWithPolicy as policyUser,
  s3Client,
  startServer,
  type TestServer,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

let root: string;
let policyDir: string;
let server: TestServer;
let admin: S3Client;
const bucket = "tagged-data";
const objects = `arn:aws:s3:::${bucket}/*`;
const bucketArn = `arn:aws:s3:::${bucket}`;
let v1: string;

async function userWithPolicy(name: string, statements: object[]): Promise<S3Client> {
  return s3Client(server, await policyUser(root, policyDir, name, statements));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "s3dir-tpolicies-"));
  policyDir = mkdtempSync(join(tmpdir(), "s3dir-tpolicy-docs-"));
  server = await startServer({ root });
  admin = s3Client(server);
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  // New buckets block public policies (AWS's defaults since 2023): open this one first.
  await admin.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
  await admin.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
  v1 = (await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "doc", Body: "1", Tagging: "a=1" })))
    .VersionId!;
  await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "doc", Body: "2", Tagging: "a=2" }));
  await admin.send(
    new PutObjectCommand({ Bucket: bucket, Key: "public", Body: "p", Tagging: "class=public" }),
  );
  await admin.send(
    new PutObjectCommand({ Bucket: bucket, Key: "secret", Body: "s", Tagging: "class=secret" }),
  );
});
afterAll(async () => {
  admin?.destroy();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(policyDir, { recursive: true, force: true });
});

describe("tagging actions", () => {
  test("the current version's tagging actions do not reach other versions", async () => {
    const user = await userWithPolicy("tagger", [
      {
        Effect: "Allow",
        Action: ["s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging"],
        Resource: objects,
      },
      { Effect: "Allow", Action: ["s3:GetBucketTagging", "s3:PutBucketTagging"], Resource: bucketArn },
    ]);
    const tagging = { TagSet: [{ Key: "b", Value: "1" }] };
    expect(await outcome(user.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "doc" })))).toBe(
      "allowed",
    );
    expect(
      await outcome(user.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "doc", Tagging: tagging }))),
    ).toBe("allowed");
    expect(await outcome(user.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: "doc" })))).toBe(
      "allowed",
    );
    expect(
      await outcome(user.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }))),
    ).toBe("AccessDenied");
    expect(
      await outcome(
        user.send(
          new PutObjectTaggingCommand({ Bucket: bucket, Key: "doc", VersionId: v1, Tagging: tagging }),
        ),
      ),
    ).toBe("AccessDenied");
    expect(
      await outcome(user.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }))),
    ).toBe("AccessDenied");
    expect(await outcome(user.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: tagging })))).toBe(
      "allowed",
    );
    expect(await outcome(user.send(new GetBucketTaggingCommand({ Bucket: bucket })))).toBe("allowed");
    expect(await outcome(user.send(new GetObjectCommand({ Bucket: bucket, Key: "doc" })))).toBe(
      "AccessDenied",
    );
  });

  test("the Version actions reach versions named by id", async () => {
    const user = await userWithPolicy("version-tagger", [
      {
        Effect: "Allow",
        Action: ["s3:GetObjectVersionTagging", "s3:PutObjectVersionTagging", "s3:DeleteObjectVersionTagging"],
        Resource: objects,
      },
    ]);
    expect(
      await outcome(user.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }))),
    ).toBe("allowed");
    expect(
      await outcome(
        user.send(
          new PutObjectTaggingCommand({
            Bucket: bucket,
            Key: "doc",
            VersionId: v1,
            Tagging: { TagSet: [{ Key: "a", Value: "1" }] },
          }),
        ),
      ),
    ).toBe("allowed");
    expect(await outcome(user.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "doc" })))).toBe(
      "AccessDenied",
    );
  });
});

describe("tag condition keys", () => {
  test("s3:ExistingObjectTag: reads only objects whose tag matches", async () => {
    const user = await userWithPolicy("public-reader", [
      {
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: objects,
        Condition: { StringEquals: { "s3:ExistingObjectTag/class": "public" } },
      },
    ]);
    expect(await outcome(user.send(new GetObjectCommand({ Bucket: bucket, Key: "public" })))).toBe("allowed");
    expect(await outcome(user.send(new GetObjectCommand({ Bucket: bucket, Key: "secret" })))).toBe(
      "AccessDenied",
    );
    expect(await outcome(user.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })))).toBe(
      "AccessDenied",
    );
  });

  test("s3:ExistingObjectTag in a bucket policy, for anonymous readers", async () => {
    await admin.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: "*",
              Action: "s3:GetObject",
              Resource: objects,
              Condition: { StringEquals: { "s3:ExistingObjectTag/class": "public" } },
            },
          ],
        }),
      }),
    );
    expect((await fetch(`${server.endpoint}/${bucket}/public`)).status).toBe(200);
    expect((await fetch(`${server.endpoint}/${bucket}/secret`)).status).toBe(403);
  });

  test("s3:RequestObjectTag and s3:RequestObjectTagKeys: on x-amz-tagging and the PutObjectTagging body", async () => {
    const user = await userWithPolicy("tag-writer", [
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:PutObjectTagging"],
        Resource: objects,
        Condition: {
          StringEquals: { "s3:RequestObjectTag/team": "blue" },
          "ForAllValues:StringEquals": { "s3:RequestObjectTagKeys": ["team", "stage"] },
        },
      },
    ]);
    const put = (Key: string, Tagging?: string) =>
      outcome(user.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "x", Tagging })));
    expect(await put("w1", "team=blue&stage=raw")).toBe("allowed");
    expect(await put("w2", "team=red")).toBe("AccessDenied");
    expect(await put("w3", "team=blue&other=1")).toBe("AccessDenied");
    expect(await put("w4")).toBe("AccessDenied");
    const tag = (TagSet: { Key: string; Value: string }[]) =>
      outcome(user.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "w1", Tagging: { TagSet } })));
    expect(await tag([{ Key: "team", Value: "blue" }])).toBe("allowed");
    expect(await tag([{ Key: "team", Value: "red" }])).toBe("AccessDenied");
    const tags = await admin.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "w1" }));
    expect(tags.TagSet).toEqual([{ Key: "team", Value: "blue" }]);
  });
});
