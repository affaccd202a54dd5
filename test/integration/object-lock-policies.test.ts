/**
 * The object lock actions of IAM and bucket policies: s3:Put/GetObjectRetention,
 * s3:Put/GetObjectLegalHold, s3:BypassGovernanceRetention, s3:Put/GetBucketObjectLockConfiguration,
 * and the condition keys s3:object-lock-mode, s3:object-lock-retain-until-date,
 * s3:object-lock-remaining-retention-days and s3:object-lock-legal-hold.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { outcome, userWithPolicy as policyUser, s3Client } from "../helpers/index.ts";
import { useLockHost } from "../helpers/lock-host.ts";

setDefaultTimeout(60_000);

const host = useLockHost();
const bucket = "locked-data";
const objects = `arn:aws:s3:::${bucket}/*`;
const DAY = 86_400_000;
const inDays = (days: number) => new Date(Math.floor((Date.now() + days * DAY) / 1000) * 1000);
let policyDir: string;
let admin: S3Client;
const clients: S3Client[] = [];

async function userWithPolicy(name: string, statements: object[]): Promise<S3Client> {
  const client = s3Client(host.server, await policyUser(host.root, policyDir, name, statements));
  clients.push(client);
  return client;
}

async function put(key: string, extra: Record<string, unknown> = {}): Promise<string> {
  return (await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key, ...extra })))
    .VersionId!;
}

const writer = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"];

beforeAll(async () => {
  policyDir = mkdtempSync(join(tmpdir(), "s3dir-lock-policy-docs-"));
  admin = host.s3;
  await admin.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
});
afterAll(() => {
  for (const c of clients) c.destroy();
  rmSync(policyDir, { recursive: true, force: true });
});

describe("GOVERNANCE bypass", () => {
  test("x-amz-bypass-governance-retention works only with s3:BypassGovernanceRetention", async () => {
    const plain = await userWithPolicy("governed", [
      {
        Effect: "Allow",
        Action: [...writer, "s3:PutObjectRetention", "s3:GetObjectRetention"],
        Resource: objects,
      },
    ]);
    const bypasser = await userWithPolicy("bypasser", [
      {
        Effect: "Allow",
        Action: [...writer, "s3:PutObjectRetention", "s3:BypassGovernanceRetention"],
        Resource: objects,
      },
    ]);
    const v1 = await put("gov-a", { ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: inDays(3) });
    const v2 = await put("gov-b", { ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: inDays(3) });
    const shorten = (client: S3Client, key: string, versionId: string) =>
      client.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: key,
          VersionId: versionId,
          Retention: { Mode: "GOVERNANCE", RetainUntilDate: inDays(1) },
          BypassGovernanceRetention: true,
        }),
      );
    const remove = (client: S3Client, key: string, versionId: string) =>
      client.send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: key,
          VersionId: versionId,
          BypassGovernanceRetention: true,
        }),
      );
    expect(await outcome(shorten(plain, "gov-a", v1))).toBe("AccessDenied");
    expect(await outcome(remove(plain, "gov-a", v1))).toBe("AccessDenied");
    // Lengthening needs no bypass.
    expect(
      await outcome(
        plain.send(
          new PutObjectRetentionCommand({
            Bucket: bucket,
            Key: "gov-a",
            VersionId: v1,
            Retention: { Mode: "GOVERNANCE", RetainUntilDate: inDays(4) },
          }),
        ),
      ),
    ).toBe("allowed");
    expect(await outcome(shorten(bypasser, "gov-b", v2))).toBe("allowed");
    expect(await outcome(remove(bypasser, "gov-b", v2))).toBe("allowed");
    expect(await outcome(remove(bypasser, "gov-a", v1))).toBe("allowed");
  });

  test("an explicit Deny of s3:BypassGovernanceRetention in the bucket policy holds for the root credential too", async () => {
    const other = "locked-deny";
    await admin.send(new CreateBucketCommand({ Bucket: other, ObjectLockEnabledForBucket: true }));
    const versionId = (
      await admin.send(
        new PutObjectCommand({
          Bucket: other,
          Key: "doc",
          Body: "x",
          ObjectLockMode: "GOVERNANCE",
          ObjectLockRetainUntilDate: inDays(2),
        }),
      )
    ).VersionId!;
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:BypassGovernanceRetention",
          Resource: `arn:aws:s3:::${other}/*`,
        },
      ],
    };
    await admin.send(new PutBucketPolicyCommand({ Bucket: other, Policy: JSON.stringify(policy) }));
    expect(
      await outcome(
        admin.send(
          new DeleteObjectCommand({
            Bucket: other,
            Key: "doc",
            VersionId: versionId,
            BypassGovernanceRetention: true,
          }),
        ),
      ),
    ).toBe("AccessDenied");
  });
});

describe("lock actions", () => {
  test("retention and legal hold headers on reads need s3:GetObjectRetention and s3:GetObjectLegalHold", async () => {
    await put("both", {
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: inDays(1),
      ObjectLockLegalHoldStatus: "ON",
    });
    const reader = await userWithPolicy("reader", [
      { Effect: "Allow", Action: "s3:GetObject", Resource: objects },
    ]);
    const auditor = await userWithPolicy("auditor", [
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectRetention", "s3:GetObjectLegalHold"],
        Resource: objects,
      },
    ]);
    const plain = await reader.send(new HeadObjectCommand({ Bucket: bucket, Key: "both" }));
    expect([plain.ObjectLockMode, plain.ObjectLockRetainUntilDate, plain.ObjectLockLegalHoldStatus]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const full = await auditor.send(new HeadObjectCommand({ Bucket: bucket, Key: "both" }));
    expect([full.ObjectLockMode, full.ObjectLockLegalHoldStatus]).toEqual(["GOVERNANCE", "ON"]);
    expect(await outcome(reader.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "both" })))).toBe(
      "AccessDenied",
    );
    expect(await outcome(reader.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "both" })))).toBe(
      "AccessDenied",
    );
    expect(await outcome(auditor.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "both" })))).toBe(
      "allowed",
    );
    expect(
      await outcome(
        auditor.send(
          new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "both", LegalHold: { Status: "OFF" } }),
        ),
      ),
    ).toBe("AccessDenied");
  });

  test("the bucket's configuration needs s3:Get/PutBucketObjectLockConfiguration; creating a lock bucket needs the put too", async () => {
    const creator = await userWithPolicy("creator", [
      {
        Effect: "Allow",
        Action: ["s3:CreateBucket", "s3:PutBucketVersioning", "s3:GetBucketObjectLockConfiguration"],
        Resource: "*",
      },
    ]);
    expect(await outcome(creator.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })))).toBe(
      "allowed",
    );
    expect(
      await outcome(
        creator.send(
          new PutObjectLockConfigurationCommand({
            Bucket: bucket,
            ObjectLockConfiguration: { ObjectLockEnabled: "Enabled" },
          }),
        ),
      ),
    ).toBe("AccessDenied");
    expect(
      await outcome(
        creator.send(new CreateBucketCommand({ Bucket: "creator-lock", ObjectLockEnabledForBucket: true })),
      ),
    ).toBe("AccessDenied");
    expect(await outcome(creator.send(new CreateBucketCommand({ Bucket: "creator-plain" })))).toBe("allowed");
  });
});

describe("condition keys", () => {
  test("s3:object-lock-mode and s3:object-lock-remaining-retention-days on PutObjectRetention and PutObject", async () => {
    const capped = await userWithPolicy("capped", [
      { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: objects },
      {
        Effect: "Allow",
        Action: "s3:PutObjectRetention",
        Resource: objects,
        Condition: {
          StringEquals: { "s3:object-lock-mode": "GOVERNANCE" },
          NumericLessThanEquals: { "s3:object-lock-remaining-retention-days": "10" },
        },
      },
      {
        Effect: "Deny",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: { NumericGreaterThan: { "s3:object-lock-remaining-retention-days": "10" } },
      },
    ]);
    const versionId = await put("capped");
    const retain = (mode: "GOVERNANCE" | "COMPLIANCE", days: number) =>
      capped.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: "capped",
          VersionId: versionId,
          Retention: { Mode: mode, RetainUntilDate: inDays(days) },
        }),
      );
    expect(await outcome(retain("COMPLIANCE", 2))).toBe("AccessDenied");
    expect(await outcome(retain("GOVERNANCE", 30))).toBe("AccessDenied");
    expect(await outcome(retain("GOVERNANCE", 5))).toBe("allowed");
    const write = (days: number) =>
      capped.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "capped-write",
          Body: "x",
          ObjectLockMode: "GOVERNANCE",
          ObjectLockRetainUntilDate: inDays(days),
        }),
      );
    expect(await outcome(write(30))).toBe("AccessDenied");
    expect(await outcome(write(3))).toBe("allowed");
  });

  test("s3:object-lock-legal-hold on PutObjectLegalHold, s3:object-lock-retain-until-date on PutObjectRetention", async () => {
    const limit = inDays(20);
    const holder = await userWithPolicy("holder", [
      {
        Effect: "Allow",
        Action: "s3:PutObjectLegalHold",
        Resource: objects,
        Condition: { StringEquals: { "s3:object-lock-legal-hold": "ON" } },
      },
      {
        Effect: "Allow",
        Action: "s3:PutObjectRetention",
        Resource: objects,
        Condition: { DateLessThan: { "s3:object-lock-retain-until-date": limit.toISOString() } },
      },
    ]);
    await put("held");
    const hold = (status: "ON" | "OFF") =>
      holder.send(
        new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "held", LegalHold: { Status: status } }),
      );
    expect(await outcome(hold("ON"))).toBe("allowed");
    expect(await outcome(hold("OFF"))).toBe("AccessDenied");
    const retain = (until: Date) =>
      holder.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: "held",
          Retention: { Mode: "GOVERNANCE", RetainUntilDate: until },
        }),
      );
    expect(await outcome(retain(inDays(30)))).toBe("AccessDenied");
    expect(await outcome(retain(inDays(10)))).toBe("allowed");
  });
});
