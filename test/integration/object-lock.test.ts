/**
 * Object lock through the AWS SDK and raw requests: a bucket's configuration and default
 * retention, retention and legal hold of versions, GOVERNANCE and COMPLIANCE with and without
 * bypass, deletes of locked versions, lock headers on writes and reads, and S3's errors.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { errorCodeOf, md5Base64, sdkFailure, signedFetch, uniqueBucket, xmlValue } from "../helpers/index.ts";
import { useLockHost } from "../helpers/lock-host.ts";

setDefaultTimeout(60_000);

const host = useLockHost();

const DAY = 86_400_000;
const inDays = (days: number) => new Date(Math.floor((Date.now() + days * DAY) / 1000) * 1000);

async function lockedBucket(prefix: string): Promise<string> {
  const bucket = uniqueBucket(prefix);
  await host.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  return bucket;
}

async function put(bucket: string, key: string, body: string, extra: Record<string, unknown> = {}) {
  return (await host.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra })))
    .VersionId!;
}

async function retentionOf(bucket: string, key: string, versionId?: string) {
  return (
    await host.s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId }))
  ).Retention;
}

function setRetention(
  bucket: string,
  key: string,
  versionId: string | undefined,
  retention: { Mode?: "GOVERNANCE" | "COMPLIANCE"; RetainUntilDate?: Date },
  bypass?: boolean,
) {
  return host.s3.send(
    new PutObjectRetentionCommand({
      Bucket: bucket,
      Key: key,
      VersionId: versionId,
      Retention: retention,
      BypassGovernanceRetention: bypass,
    }),
  );
}

async function rawPut(path: string, query: string, body: string, headers: Record<string, string> = {}) {
  const res = await signedFetch(host.server, path, { method: "PUT", query, body, headers });
  return { status: res.status, text: await res.text() };
}

const lockXml = (inner: string) =>
  `<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</ObjectLockConfiguration>`;

describe("bucket configuration", () => {
  test("a bucket created with object lock is versioned for good and has no default retention", async () => {
    const bucket = await lockedBucket("lk-create");
    expect((await host.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    const config = await host.s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    expect(config.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: "Enabled" });
    const suspend = await sdkFailure(
      host.s3.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }),
      ),
    );
    expect(suspend).toMatchObject({ name: "InvalidBucketState", status: 409 });
    expect(suspend.message).toContain("Object Lock configuration is present");
  });

  test("a bucket without object lock: 404 for its configuration, 409 to enable it unversioned, then enabled once versioned", async () => {
    const bucket = uniqueBucket("lk-plain");
    await host.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const missing = await sdkFailure(host.s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })));
    expect(missing).toMatchObject({ name: "ObjectLockConfigurationNotFoundError", status: 404 });
    const enable = () =>
      host.s3.send(
        new PutObjectLockConfigurationCommand({
          Bucket: bucket,
          ObjectLockConfiguration: { ObjectLockEnabled: "Enabled" },
        }),
      );
    expect(await sdkFailure(enable())).toMatchObject({ name: "InvalidBucketState", status: 409 });
    await host.s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    await enable();
    const config = await host.s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    expect(config.ObjectLockConfiguration?.ObjectLockEnabled).toBe("Enabled");
  });

  test("the default retention applies to new versions; removing the rule stops it", async () => {
    const bucket = await lockedBucket("lk-default");
    await host.s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } },
        },
      }),
    );
    const config = await host.s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    expect(config.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: "Enabled",
      Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } },
    });
    // A PUT that gets the default retention must carry a digest, as one with lock headers does.
    const bare = await rawPut(`/${bucket}/bare`, "", "no digest");
    expect(bare.status).toBe(400);
    expect(errorCodeOf(bare.text)).toBe("InvalidRequest");
    expect(
      (await rawPut(`/${bucket}/bare`, "", "digest", { "content-md5": md5Base64("digest") })).status,
    ).toBe(200);
    const v1 = await put(bucket, "doc", "one");
    const head = await host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "doc" }));
    expect(head.ObjectLockMode).toBe("GOVERNANCE");
    const until = head.ObjectLockRetainUntilDate!.getTime();
    expect(Math.abs(until - (head.LastModified!.getTime() + DAY))).toBeLessThan(120_000);
    expect((await retentionOf(bucket, "doc", v1))?.Mode).toBe("GOVERNANCE");

    await host.s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: { ObjectLockEnabled: "Enabled" },
      }),
    );
    const v2 = await put(bucket, "doc", "two");
    expect(await sdkFailure(retentionOf(bucket, "doc", v2))).toMatchObject({
      name: "NoSuchObjectLockConfiguration",
      status: 404,
    });
    const plain = await host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "doc" }));
    expect(plain.ObjectLockMode).toBeUndefined();
    // The older version keeps its retention.
    expect((await retentionOf(bucket, "doc", v1))?.Mode).toBe("GOVERNANCE");
  });

  test("malformed configurations are MalformedXML, bad periods InvalidArgument, and a digest is required", async () => {
    const bucket = await lockedBucket("lk-badconf");
    const path = `/${bucket}`;
    const send = (inner: string, headers?: Record<string, string>) =>
      rawPut(path, "object-lock", lockXml(inner), headers ?? { "content-md5": md5Base64(lockXml(inner)) });
    const rule = (retention: string) =>
      `<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>${retention}</DefaultRetention></Rule>`;
    for (const inner of [
      rule("<Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>"),
      rule("<Mode>governance</Mode><Days>1</Days>"),
      rule("<Mode>GOVERNANCE</Mode>"),
      rule("<Days>1</Days>"),
      "<ObjectLockEnabled>Disabled</ObjectLockEnabled>",
      "",
      "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule></Rule>",
    ]) {
      const res = await send(inner);
      expect([inner, res.status, errorCodeOf(res.text)]).toEqual([inner, 400, "MalformedXML"]);
    }
    const zero = await send(rule("<Mode>GOVERNANCE</Mode><Days>0</Days>"));
    expect([zero.status, errorCodeOf(zero.text), xmlValue(zero.text, "ArgumentName")]).toEqual([
      400,
      "InvalidArgument",
      "Days",
    ]);
    expect(xmlValue(zero.text, "Message")).toBe("Default retention period must be a positive integer value.");
    const large = await send(rule("<Mode>COMPLIANCE</Mode><Years>101</Years>"));
    expect([errorCodeOf(large.text), xmlValue(large.text, "Message")]).toEqual([
      "InvalidArgument",
      "Default retention period too large.",
    ]);
    const noDigest = await send("<ObjectLockEnabled>Enabled</ObjectLockEnabled>", {});
    expect([noDigest.status, errorCodeOf(noDigest.text)]).toEqual([400, "InvalidRequest"]);
  });
});

describe("retention and legal hold", () => {
  test("GOVERNANCE: lengthened by anyone, shortened or removed only with bypass; then the version can be deleted", async () => {
    const bucket = await lockedBucket("lk-gov");
    const until = inDays(2);
    const v1 = await put(bucket, "doc", "one", {
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: until,
    });
    expect(await retentionOf(bucket, "doc")).toEqual({ Mode: "GOVERNANCE", RetainUntilDate: until });

    await setRetention(bucket, "doc", v1, { Mode: "GOVERNANCE", RetainUntilDate: inDays(3) });
    const shorten = await sdkFailure(
      setRetention(bucket, "doc", v1, { Mode: "GOVERNANCE", RetainUntilDate: inDays(1) }),
    );
    expect(shorten).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(shorten.message).toBe("Access Denied because object protected by object lock.");
    const denied = await sdkFailure(
      host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 })),
    );
    expect(denied).toMatchObject({ name: "AccessDenied", status: 403 });

    const shortened = inDays(1);
    await setRetention(bucket, "doc", v1, { Mode: "GOVERNANCE", RetainUntilDate: shortened }, true);
    expect((await retentionOf(bucket, "doc", v1))?.RetainUntilDate).toEqual(shortened);
    // An empty Retention removes it, with bypass only.
    expect(await sdkFailure(setRetention(bucket, "doc", v1, {}))).toMatchObject({ name: "AccessDenied" });
    await setRetention(bucket, "doc", v1, {}, true);
    expect(await sdkFailure(retentionOf(bucket, "doc", v1))).toMatchObject({
      name: "NoSuchObjectLockConfiguration",
    });
    await host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }));
    expect(
      await sdkFailure(host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "doc" }))),
    ).toMatchObject({
      status: 404,
    });
  });

  test("GOVERNANCE: a delete by id with bypass removes a locked version", async () => {
    const bucket = await lockedBucket("lk-govdel");
    const v1 = await put(bucket, "doc", "one", {
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: inDays(5),
    });
    await host.s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1, BypassGovernanceRetention: true }),
    );
    expect(
      await sdkFailure(host.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }))),
    ).toMatchObject({ status: 404 });
  });

  test("COMPLIANCE: only lengthened, never shortened, removed, made GOVERNANCE or deleted, bypass or not; a delete marker is allowed", async () => {
    const bucket = await lockedBucket("lk-comp");
    const v1 = await put(bucket, "doc", "kept", {
      ObjectLockMode: "COMPLIANCE",
      ObjectLockRetainUntilDate: inDays(2),
    });
    const lengthened = inDays(4);
    await setRetention(bucket, "doc", v1, { Mode: "COMPLIANCE", RetainUntilDate: lengthened });
    for (const change of [
      { Mode: "COMPLIANCE" as const, RetainUntilDate: inDays(3) },
      { Mode: "GOVERNANCE" as const, RetainUntilDate: inDays(10) },
      {},
    ]) {
      expect(await sdkFailure(setRetention(bucket, "doc", v1, change, true))).toMatchObject({
        name: "AccessDenied",
        status: 403,
      });
    }
    expect(
      await sdkFailure(
        host.s3.send(
          new DeleteObjectCommand({
            Bucket: bucket,
            Key: "doc",
            VersionId: v1,
            BypassGovernanceRetention: true,
          }),
        ),
      ),
    ).toMatchObject({ name: "AccessDenied", status: 403 });
    const marker = await host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc" }));
    expect(marker.DeleteMarker).toBe(true);
    // The marker itself is not locked: it can be deleted by id, and the version is current again.
    await host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc", VersionId: marker.VersionId }));
    const got = await host.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "doc" }));
    expect(await got.Body!.transformToString()).toBe("kept");
    expect(got.ObjectLockMode).toBe("COMPLIANCE");
    expect(got.ObjectLockRetainUntilDate).toEqual(lengthened);
  });

  test("legal hold: ON refuses deletes by id and shows on reads, OFF releases; a noncurrent version by id", async () => {
    const bucket = await lockedBucket("lk-hold");
    const v1 = await put(bucket, "doc", "one", { ObjectLockLegalHoldStatus: "ON" });
    const v2 = await put(bucket, "doc", "two");
    const held = await host.s3.send(
      new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }),
    );
    expect(held.LegalHold).toEqual({ Status: "ON" });
    const head = await host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }));
    expect(head.ObjectLockLegalHoldStatus).toBe("ON");
    expect(
      await sdkFailure(host.s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "doc" }))),
    ).toMatchObject({
      name: "NoSuchObjectLockConfiguration",
      status: 404,
    });
    expect(
      await sdkFailure(
        host.s3.send(
          new DeleteObjectCommand({
            Bucket: bucket,
            Key: "doc",
            VersionId: v1,
            BypassGovernanceRetention: true,
          }),
        ),
      ),
    ).toMatchObject({ name: "AccessDenied" });

    await host.s3.send(
      new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "doc", LegalHold: { Status: "ON" } }),
    );
    expect(
      (await host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "doc" }))).ObjectLockLegalHoldStatus,
    ).toBe("ON");
    expect(
      await sdkFailure(host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v2 }))),
    ).toMatchObject({
      name: "AccessDenied",
    });

    await host.s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: bucket,
        Key: "doc",
        VersionId: v1,
        LegalHold: { Status: "OFF" },
      }),
    );
    // Once turned off, S3 reports the hold as OFF (not as a missing configuration).
    const off = await host.s3.send(
      new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }),
    );
    expect(off.LegalHold).toEqual({ Status: "OFF" });
    await host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc", VersionId: v1 }));
  });

  test("DeleteObjects: a locked version is an AccessDenied error of its own, the others are deleted", async () => {
    const bucket = await lockedBucket("lk-batch");
    const locked = await put(bucket, "locked", "x", {
      ObjectLockMode: "COMPLIANCE",
      ObjectLockRetainUntilDate: inDays(1),
    });
    const held = await put(bucket, "held", "x", { ObjectLockLegalHoldStatus: "ON" });
    const free = await put(bucket, "free", "x");
    const result = await host.s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Objects: [
            { Key: "free", VersionId: free },
            { Key: "held", VersionId: held },
            { Key: "locked", VersionId: locked },
            { Key: "locked" },
          ],
        },
      }),
    );
    expect(result.Deleted?.map((d) => [d.Key, d.VersionId ?? null, d.DeleteMarker ?? false])).toEqual([
      ["free", free, false],
      ["locked", null, true],
    ]);
    expect(result.Errors?.map((e) => [e.Key, e.VersionId, e.Code, e.Message])).toEqual([
      ["held", held, "AccessDenied", "Access Denied because object protected by object lock."],
      ["locked", locked, "AccessDenied", "Access Denied because object protected by object lock."],
    ]);
  });

  test("retention of a delete marker by id is 405; of a bucket without object lock 400 InvalidRequest", async () => {
    const bucket = await lockedBucket("lk-marker");
    await put(bucket, "doc", "one");
    const marker = await host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc" }));
    expect(await sdkFailure(retentionOf(bucket, "doc", marker.VersionId))).toMatchObject({
      name: "MethodNotAllowed",
      status: 405,
    });
    const plain = uniqueBucket("lk-nolock");
    await host.s3.send(new CreateBucketCommand({ Bucket: plain }));
    await host.s3.send(new PutObjectCommand({ Bucket: plain, Key: "doc", Body: "x" }));
    const noLock = await sdkFailure(retentionOf(plain, "doc"));
    expect(noLock).toMatchObject({ name: "InvalidRequest", status: 400 });
    expect(noLock.message).toBe("Bucket is missing Object Lock Configuration");
    expect(
      await sdkFailure(
        host.s3.send(
          new PutObjectLegalHoldCommand({ Bucket: plain, Key: "doc", LegalHold: { Status: "ON" } }),
        ),
      ),
    ).toMatchObject({ name: "InvalidRequest" });
    const write = await sdkFailure(
      host.s3.send(
        new PutObjectCommand({ Bucket: plain, Key: "w", Body: "x", ObjectLockLegalHoldStatus: "ON" }),
      ),
    );
    expect(write).toMatchObject({ name: "InvalidRequest", status: 400 });
    const bypass = await signedFetch(host.server, `/${plain}/doc`, {
      method: "DELETE",
      headers: { "x-amz-bypass-governance-retention": "true" },
    });
    const text = await bypass.text();
    expect([bypass.status, errorCodeOf(text), xmlValue(text, "ArgumentName")]).toEqual([
      400,
      "InvalidArgument",
      "x-amz-bypass-governance-retention",
    ]);
  });

  test("malformed retention and legal hold bodies are MalformedXML; a past date InvalidArgument; a digest is required", async () => {
    const bucket = await lockedBucket("lk-badret");
    await put(bucket, "doc", "one");
    const path = `/${bucket}/doc`;
    const ns = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`;
    const future = inDays(1).toISOString();
    const withMd5 = (body: string) => ({ "content-md5": md5Base64(body) });
    for (const body of [
      `<Retention ${ns}><Mode>GOVERNANCE</Mode></Retention>`,
      `<Retention ${ns}><RetainUntilDate>${future}</RetainUntilDate></Retention>`,
      `<Retention ${ns}><Mode>Governance</Mode><RetainUntilDate>${future}</RetainUntilDate></Retention>`,
      `<Retention ${ns}><Mode>GOVERNANCE</Mode><RetainUntilDate>tomorrow</RetainUntilDate></Retention>`,
    ]) {
      const res = await rawPut(path, "retention", body, withMd5(body));
      expect([body, res.status, errorCodeOf(res.text)]).toEqual([body, 400, "MalformedXML"]);
    }
    const pastBody = `<Retention ${ns}><Mode>GOVERNANCE</Mode><RetainUntilDate>2020-01-01T00:00:00Z</RetainUntilDate></Retention>`;
    const past = await rawPut(path, "retention", pastBody, withMd5(pastBody));
    expect([past.status, errorCodeOf(past.text), xmlValue(past.text, "Message")]).toEqual([
      400,
      "InvalidArgument",
      "The retain until date must be in the future!",
    ]);
    const holdBody = `<LegalHold ${ns}><Status>on</Status></LegalHold>`;
    const hold = await rawPut(path, "legal-hold", holdBody, withMd5(holdBody));
    expect([hold.status, errorCodeOf(hold.text)]).toEqual([400, "MalformedXML"]);
    const goodHold = `<LegalHold ${ns}><Status>ON</Status></LegalHold>`;
    const noDigest = await rawPut(path, "legal-hold", goodHold);
    expect([noDigest.status, errorCodeOf(noDigest.text)]).toEqual([400, "InvalidRequest"]);
  });
});

describe("lock headers on writes", () => {
  test("invalid x-amz-object-lock-* headers are InvalidArgument; lock headers need Content-MD5 or a checksum", async () => {
    const bucket = await lockedBucket("lk-headers");
    const path = `/${bucket}/doc`;
    const future = inDays(1).toISOString();
    const cases: [Record<string, string>, string, string][] = [
      [
        { "x-amz-object-lock-mode": "GOVERNANCE" },
        "x-amz-object-lock-retain-until-date",
        "must both be supplied",
      ],
      [{ "x-amz-object-lock-retain-until-date": future }, "x-amz-object-lock-mode", "must both be supplied"],
      [
        { "x-amz-object-lock-mode": "SOMETIMES", "x-amz-object-lock-retain-until-date": future },
        "x-amz-object-lock-mode",
        "Unknown wormMode directive.",
      ],
      [
        { "x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": "soon" },
        "x-amz-object-lock-retain-until-date",
        "ISO 8601",
      ],
      [
        {
          "x-amz-object-lock-mode": "GOVERNANCE",
          "x-amz-object-lock-retain-until-date": "2020-01-01T00:00:00Z",
        },
        "x-amz-object-lock-retain-until-date",
        "must be in the future!",
      ],
      [{ "x-amz-object-lock-legal-hold": "YES" }, "x-amz-object-lock-legal-hold", "'ON' or 'OFF'"],
    ];
    for (const [headers, argument, message] of cases) {
      const res = await rawPut(path, "", "x", { ...headers, "content-md5": md5Base64("x") });
      expect([res.status, errorCodeOf(res.text), xmlValue(res.text, "ArgumentName")]).toEqual([
        400,
        "InvalidArgument",
        argument,
      ]);
      expect(xmlValue(res.text, "Message")).toContain(message);
    }
    const noDigest = await rawPut(path, "", "x", { "x-amz-object-lock-legal-hold": "ON" });
    expect([noDigest.status, errorCodeOf(noDigest.text)]).toEqual([400, "InvalidRequest"]);
    expect(xmlValue(noDigest.text, "Message")).toContain("Content-MD5 OR x-amz-checksum-");
    const ok = await rawPut(path, "", "x", {
      "x-amz-object-lock-legal-hold": "ON",
      "content-md5": md5Base64("x"),
    });
    expect(ok.status).toBe(200);
  });

  test("CopyObject and CreateMultipartUpload take the lock asked for; a copy never takes its source's", async () => {
    const bucket = await lockedBucket("lk-copy");
    const until = inDays(2);
    await put(bucket, "src", "source", { ObjectLockMode: "COMPLIANCE", ObjectLockRetainUntilDate: until });
    await host.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "plain", CopySource: `${bucket}/src` }));
    const plain = await host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "plain" }));
    expect(plain.ObjectLockMode).toBeUndefined();
    await host.s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "copy",
        CopySource: `${bucket}/src`,
        ObjectLockMode: "GOVERNANCE",
        ObjectLockRetainUntilDate: until,
        ObjectLockLegalHoldStatus: "ON",
      }),
    );
    const copy = await host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "copy" }));
    expect([copy.ObjectLockMode, copy.ObjectLockRetainUntilDate, copy.ObjectLockLegalHoldStatus]).toEqual([
      "GOVERNANCE",
      until,
      "ON",
    ]);

    const upload = await host.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp",
        ObjectLockMode: "COMPLIANCE",
        ObjectLockRetainUntilDate: until,
      }),
    );
    // Its parts must carry a digest, as S3 asks of uploads under object lock.
    const bare = await rawPut(`/${bucket}/mp`, `partNumber=1&uploadId=${upload.UploadId}`, "part");
    expect(bare.status).toBe(400);
    expect(errorCodeOf(bare.text)).toBe("InvalidRequest");
    const part = await host.s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "mp",
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: "part",
      }),
    );
    await host.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp",
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(await retentionOf(bucket, "mp")).toEqual({ Mode: "COMPLIANCE", RetainUntilDate: until });
  });
});
