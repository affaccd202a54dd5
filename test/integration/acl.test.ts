/**
 * ACLs and object ownership: Get/PutBucketAcl, Get/PutObjectAcl, canned ACLs and x-amz-grant-*
 * on every write, BucketOwnerEnforced, and what grants allow (anonymous and signed requests),
 * with the JS SDK, the AWS CLI and boto3. `legacy` is a host started with
 * `--bucket-defaults legacy` (new buckets: ObjectWriter, no public access block); `current` one
 * with AWS's current defaults.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketOwnershipControlsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  type Grant,
  type ObjectCannedACL,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  aws,
  errorCodeOf,
  expectOk,
  py,
  s3Client,
  s3dirCli,
  sdkFailure,
  uniqueBucket,
  useHost,
  userWithPolicy,
} from "../helpers/index.ts";

setDefaultTimeout(120_000);

const legacy = useHost({ bucket: false, args: ["--bucket-defaults", "legacy"] });
const current = useHost({ bucket: false });
const allUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
const authenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "s3dir-acl-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const anonymousGet = (endpoint: string, bucket: string, key: string, query = "") =>
  fetch(`${endpoint}/${bucket}/${key}${query}`);

/** An anonymous GET of the key succeeds and returns this body. */
async function expectAnonymousRead(endpoint: string, bucket: string, key: string, body: string) {
  const got = await anonymousGet(endpoint, bucket, key);
  expect(got.status).toBe(200);
  expect(await got.text()).toBe(body);
}

/** Grants as comparable strings: "PERMISSION grantee". */
function grantsOf(grants: Grant[] | undefined): string[] {
  return (grants ?? [])
    .map((g) => `${g.Permission} ${g.Grantee?.Type === "Group" ? g.Grantee.URI : `id:${g.Grantee?.ID}`}`)
    .sort();
}

async function legacyBucket(prefix: string): Promise<string> {
  const bucket = uniqueBucket(prefix);
  await legacy.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

describe("new buckets, AWS's current defaults", () => {
  test("get BucketOwnerEnforced and a public access block with every switch on", async () => {
    const bucket = uniqueBucket("cur");
    await current.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const ownership = await current.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }));
    expect(ownership.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: "BucketOwnerEnforced" }]);
    const block = await current.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
  });

  test("refuse ACLs that grant anyone but the owner (AccessControlListNotSupported), accept owner-only ones", async () => {
    const bucket = uniqueBucket("cur");
    const s3 = current.s3;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const publicPut = await sdkFailure(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", ACL: "public-read" })),
    );
    expect(publicPut).toMatchObject({ name: "AccessControlListNotSupported", status: 400 });
    expect(publicPut.message).toBe("The bucket does not allow ACLs");
    for (const acl of ["bucket-owner-full-control", "private"] as ObjectCannedACL[]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", ACL: acl }));
    }
    const got = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "k" }));
    expect(got.Grants).toHaveLength(1);
    expect(got.Grants?.[0]).toMatchObject({ Permission: "FULL_CONTROL", Grantee: { ID: got.Owner?.ID } });
    const bucketAcl = await sdkFailure(
      s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" })),
    );
    expect(bucketAcl).toMatchObject({ name: "AccessControlListNotSupported", status: 400 });
    const grant = await sdkFailure(
      s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: "k", GrantRead: `uri="${allUsers}"` })),
    );
    expect(grant.name).toBe("AccessControlListNotSupported");
    expect((await anonymousGet(current.server.endpoint, bucket, "k")).status).toBe(403);
  });

  test("CreateBucket with a public ACL: InvalidBucketAclWithObjectOwnership, or with ObjectWriter InvalidBucketAclWithBlockPublicAccessError", async () => {
    const enforced = await sdkFailure(
      current.s3.send(new CreateBucketCommand({ Bucket: uniqueBucket("cur"), ACL: "public-read" })),
    );
    expect(enforced).toMatchObject({ name: "InvalidBucketAclWithObjectOwnership", status: 400 });
    const writer = uniqueBucket("cur");
    const blocked = await sdkFailure(
      current.s3.send(
        new CreateBucketCommand({ Bucket: writer, ACL: "public-read", ObjectOwnership: "ObjectWriter" }),
      ),
    );
    expect(blocked).toMatchObject({ name: "InvalidBucketAclWithBlockPublicAccessError", status: 400 });
    // Neither request made the bucket.
    expect((await sdkFailure(current.s3.send(new GetBucketAclCommand({ Bucket: writer })))).name).toBe(
      "NoSuchBucket",
    );
  });

  test("ACLs work once the owner allows them: ObjectWriter and no public access block", async () => {
    const bucket = uniqueBucket("cur");
    const s3 = current.s3;
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: "ObjectWriter" }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "open", ACL: "public-read" }));
    await expectAnonymousRead(current.server.endpoint, bucket, "k", "open");
  });
});

describe("canned ACLs and grant headers", () => {
  test("each canned ACL on PutObject reads back as S3's grants", async () => {
    const bucket = await legacyBucket("canned");
    const owner = (await legacy.s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Owner!.ID!;
    const expected: Record<string, string[]> = {
      private: [`FULL_CONTROL id:${owner}`],
      "public-read": [`FULL_CONTROL id:${owner}`, `READ ${allUsers}`],
      "public-read-write": [`FULL_CONTROL id:${owner}`, `READ ${allUsers}`, `WRITE ${allUsers}`],
      "authenticated-read": [`FULL_CONTROL id:${owner}`, `READ ${authenticatedUsers}`],
      "aws-exec-read": [
        `FULL_CONTROL id:${owner}`,
        "READ id:6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c",
      ],
      "bucket-owner-read": [`FULL_CONTROL id:${owner}`],
      "bucket-owner-full-control": [`FULL_CONTROL id:${owner}`],
    };
    for (const [acl, grants] of Object.entries(expected)) {
      await legacy.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: acl, Body: acl, ACL: acl as ObjectCannedACL }),
      );
      const got = await legacy.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: acl }));
      expect({ acl, grants: grantsOf(got.Grants) }).toEqual({ acl, grants: grants.sort() });
      expect(got.Owner?.ID).toBe(owner);
    }
    expect((await anonymousGet(legacy.server.endpoint, bucket, "public-read")).status).toBe(200);
    expect((await anonymousGet(legacy.server.endpoint, bucket, "private")).status).toBe(403);
    expect((await anonymousGet(legacy.server.endpoint, bucket, "authenticated-read")).status).toBe(403);
  });

  test("a READ grant to AllUsers in x-amz-grant-read opens the object to anonymous GET, not others", async () => {
    const bucket = await legacyBucket("grant");
    await legacy.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "open", Body: "o", GrantRead: `uri="${allUsers}"` }),
    );
    await legacy.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "closed", Body: "c" }));
    expect((await anonymousGet(legacy.server.endpoint, bucket, "open")).status).toBe(200);
    const closed = await anonymousGet(legacy.server.endpoint, bucket, "closed");
    expect(closed.status).toBe(403);
    expect(errorCodeOf(await closed.text())).toBe("AccessDenied");
    // An object READ grant reads the object; it neither lists the bucket nor writes.
    expect((await fetch(`${legacy.server.endpoint}/${bucket}?list-type=2`)).status).toBe(403);
    expect(
      (await fetch(`${legacy.server.endpoint}/${bucket}/open`, { method: "PUT", body: "x" })).status,
    ).toBe(403);
  });

  test("grantee values without quotes (id=…, uri=…, as the AWS CLI examples write them) are taken", async () => {
    const bucket = await legacyBucket("unquoted");
    await legacy.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "open", Body: "o", GrantRead: `uri=${allUsers}` }),
    );
    expect((await anonymousGet(legacy.server.endpoint, bucket, "open")).status).toBe(200);
    const owner = (await legacy.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "open" }))).Owner!.ID!;
    await legacy.s3.send(
      new PutObjectAclCommand({
        Bucket: bucket,
        Key: "open",
        GrantFullControl: `id=${owner}`,
        GrantRead: ` uri = ${allUsers} , id="${owner}"`,
      }),
    );
    const acl = await legacy.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "open" }));
    expect(acl.Grants?.map((g) => [g.Grantee?.ID ?? g.Grantee?.URI, g.Permission])).toEqual([
      [owner, "FULL_CONTROL"],
      [allUsers, "READ"],
      [owner, "READ"],
    ]);
  });

  test("a bucket's READ grant lists it: a missing key is 404 to the grantee, a private object stays 403", async () => {
    const bucket = await legacyBucket("listable");
    await legacy.s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    await legacy.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "private", Body: "p" }));
    const missing = await anonymousGet(legacy.server.endpoint, bucket, "nowhere");
    expect({ status: missing.status, code: errorCodeOf(await missing.text()) }).toEqual({
      status: 404,
      code: "NoSuchKey",
    });
    const head = await fetch(`${legacy.server.endpoint}/${bucket}/nowhere`, { method: "HEAD" });
    expect(head.status).toBe(404);
    expect((await anonymousGet(legacy.server.endpoint, bucket, "private")).status).toBe(403);
    // A versionId names a version: no listing right makes its absence a 404.
    const version = await anonymousGet(legacy.server.endpoint, bucket, "nowhere", "?versionId=null");
    expect(version.status).toBe(403);
  });

  test("authenticated-read: any signed request reads, anonymous ones do not", async () => {
    const bucket = await legacyBucket("authr");
    await legacy.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "members", ACL: "authenticated-read" }),
    );
    await legacy.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "private", Body: "p" }));
    const user = await userWithPolicy(legacy.server.root, work, "acl-reader", [
      { Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" },
    ]);
    const s3 = s3Client(legacy.server, user);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(await got.Body?.transformToString()).toBe("members");
    const denied = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "private" })));
    expect(denied.name).toBe("AccessDenied");
    expect((await anonymousGet(legacy.server.endpoint, bucket, "k")).status).toBe(403);
  });

  test("refusals: a canned ACL with grants, an e-mail grantee, an unknown canned ACL, a bad id", async () => {
    const bucket = await legacyBucket("bad");
    const both = await sdkFailure(
      legacy.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "k",
          Body: "x",
          ACL: "private",
          GrantRead: `uri="${allUsers}"`,
        }),
      ),
    );
    expect(both).toMatchObject({ name: "InvalidRequest", status: 400 });
    const email = await sdkFailure(
      legacy.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "k",
          Body: "x",
          GrantRead: 'emailAddress="a@example.com"',
        }),
      ),
    );
    expect(email).toMatchObject({ name: "UnresolvableGrantByEmailAddress", status: 400 });
    const unknown = await sdkFailure(
      legacy.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", ACL: "world" as ObjectCannedACL }),
      ),
    );
    expect(unknown).toMatchObject({ name: "InvalidArgument", status: 400 });
    const badId = await sdkFailure(
      legacy.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", GrantRead: 'id="nobody"' })),
    );
    expect(badId).toMatchObject({ name: "InvalidArgument", status: 400 });
  });
});

describe("PutObjectAcl and PutBucketAcl", () => {
  test("an AccessControlPolicy body grants and takes back anonymous reads", async () => {
    const bucket = await legacyBucket("xml");
    await legacy.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x" }));
    const { Owner } = await legacy.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "k" }));
    await legacy.s3.send(
      new PutObjectAclCommand({
        Bucket: bucket,
        Key: "k",
        AccessControlPolicy: {
          Owner,
          Grants: [
            { Grantee: { Type: "CanonicalUser", ID: Owner?.ID }, Permission: "FULL_CONTROL" },
            { Grantee: { Type: "Group", URI: allUsers }, Permission: "READ" },
          ],
        },
      }),
    );
    expect((await anonymousGet(legacy.server.endpoint, bucket, "k")).status).toBe(200);
    await legacy.s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: "k", ACL: "private" }));
    expect((await anonymousGet(legacy.server.endpoint, bucket, "k")).status).toBe(403);
    const email = await sdkFailure(
      legacy.s3.send(
        new PutObjectAclCommand({
          Bucket: bucket,
          Key: "k",
          AccessControlPolicy: {
            Owner,
            Grants: [
              {
                Grantee: { Type: "AmazonCustomerByEmail", EmailAddress: "a@example.com" },
                Permission: "READ",
              },
            ],
          },
        }),
      ),
    );
    expect(email.name).toBe("UnresolvableGrantByEmailAddress");
    const badPermission = await sdkFailure(
      legacy.s3.send(
        new PutObjectAclCommand({
          Bucket: bucket,
          Key: "k",
          AccessControlPolicy: {
            Owner,
            Grants: [{ Grantee: { Type: "Group", URI: allUsers }, Permission: "EVERYTHING" as "READ" }],
          },
        }),
      ),
    );
    expect(badPermission).toMatchObject({ name: "MalformedACLError", status: 400 });
  });

  test("versionId: an older version's ACL is its own", async () => {
    const bucket = await legacyBucket("ver");
    await legacy.s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const first = await legacy.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "one" }));
    await legacy.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "two" }));
    const put = await legacy.s3.send(
      new PutObjectAclCommand({ Bucket: bucket, Key: "k", VersionId: first.VersionId, ACL: "public-read" }),
    );
    expect(put.$metadata.httpStatusCode).toBe(200);
    const old = await legacy.s3.send(
      new GetObjectAclCommand({ Bucket: bucket, Key: "k", VersionId: first.VersionId }),
    );
    expect(grantsOf(old.Grants)).toContain(`READ ${allUsers}`);
    const latest = await legacy.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "k" }));
    expect(grantsOf(latest.Grants)).not.toContain(`READ ${allUsers}`);
    const anonymousOld = await anonymousGet(
      legacy.server.endpoint,
      bucket,
      "k",
      `?versionId=${first.VersionId}`,
    );
    expect(anonymousOld.status).toBe(200);
    expect(await anonymousOld.text()).toBe("one");
    expect((await anonymousGet(legacy.server.endpoint, bucket, "k")).status).toBe(403);
  });

  test("a bucket's public-read lists it to anyone, public-read-write lets anyone write; GetBucketAcl reads it back", async () => {
    const bucket = await legacyBucket("bacl");
    await legacy.s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    const acl = await legacy.s3.send(new GetBucketAclCommand({ Bucket: bucket }));
    expect(grantsOf(acl.Grants)).toEqual([`FULL_CONTROL id:${acl.Owner?.ID}`, `READ ${allUsers}`]);
    expect((await fetch(`${legacy.server.endpoint}/${bucket}?list-type=2`)).status).toBe(200);
    expect(
      (await fetch(`${legacy.server.endpoint}/${bucket}/new`, { method: "PUT", body: "x" })).status,
    ).toBe(403);
    await legacy.s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read-write" }));
    expect(
      (await fetch(`${legacy.server.endpoint}/${bucket}/new`, { method: "PUT", body: "x" })).status,
    ).toBe(200);
    // The anonymous writer's object is not readable to anonymous callers without an object grant.
    expect((await anonymousGet(legacy.server.endpoint, bucket, "new")).status).toBe(403);
    await legacy.s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "private" }));
    expect((await fetch(`${legacy.server.endpoint}/${bucket}?list-type=2`)).status).toBe(403);
  });

  test("an explicit Deny in the bucket policy beats an ACL grant", async () => {
    const bucket = await legacyBucket("deny");
    await legacy.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", ACL: "public-read" }));
    expect((await anonymousGet(legacy.server.endpoint, bucket, "k")).status).toBe(200);
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/k` },
      ],
    };
    await legacy.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    expect((await anonymousGet(legacy.server.endpoint, bucket, "k")).status).toBe(403);
  });
});

describe("ACLs on copies and multipart uploads", () => {
  test("a copy never takes its source's ACL: it gets the one it asks for", async () => {
    const bucket = await legacyBucket("copy");
    await legacy.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "s", ACL: "public-read" }));
    await legacy.s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "plain", CopySource: `${bucket}/src` }),
    );
    await legacy.s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "open", CopySource: `${bucket}/src`, ACL: "public-read" }),
    );
    expect((await anonymousGet(legacy.server.endpoint, bucket, "plain")).status).toBe(403);
    expect((await anonymousGet(legacy.server.endpoint, bucket, "open")).status).toBe(200);
  });

  test("CreateMultipartUpload's ACL is the completed object's", async () => {
    const bucket = await legacyBucket("mpu");
    const { UploadId } = await legacy.s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big", ACL: "public-read" }),
    );
    const part = await legacy.s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: "big", UploadId, PartNumber: 1, Body: "only part" }),
    );
    await legacy.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "big",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    await expectAnonymousRead(legacy.server.endpoint, bucket, "big", "only part");
  });
});

describe("ACLs and SSE", () => {
  test("an encrypted object's ACL survives a master key rotation", async () => {
    const bucket = await legacyBucket("sse");
    await legacy.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "k",
        Body: "sealed",
        ServerSideEncryption: "AES256",
        ACL: "public-read",
      }),
    );
    const rotated = await s3dirCli(legacy.server.root, "master-key", "rotate", "--json");
    expect(rotated.code).toBe(0);
    expect((JSON.parse(rotated.stdout) as { rewrapped: number }).rewrapped).toBeGreaterThan(0);
    await expectAnonymousRead(legacy.server.endpoint, bucket, "k", "sealed");
  });
});

describe("object ownership", () => {
  test("a legacy bucket has no ownership controls (404) and behaves as ObjectWriter", async () => {
    const bucket = await legacyBucket("own");
    const missing = await sdkFailure(
      legacy.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })),
    );
    expect(missing).toMatchObject({ name: "OwnershipControlsNotFoundError", status: 404 });
    const noBlock = await sdkFailure(legacy.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })));
    expect(noBlock).toMatchObject({ name: "NoSuchPublicAccessBlockConfiguration", status: 404 });
  });

  test("BucketOwnerEnforced turns existing grants off (reads show the owner alone); removing it turns them back on", async () => {
    const bucket = await legacyBucket("own");
    const s3 = legacy.s3;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", ACL: "public-read" }));
    expect((await anonymousGet(legacy.server.endpoint, bucket, "k")).status).toBe(200);
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: bucket,
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      }),
    );
    expect((await anonymousGet(legacy.server.endpoint, bucket, "k")).status).toBe(403);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "k" }));
    expect(grantsOf(acl.Grants)).toEqual([`FULL_CONTROL id:${acl.Owner?.ID}`]);
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: bucket }));
    expect((await anonymousGet(legacy.server.endpoint, bucket, "k")).status).toBe(200);
  });

  test("enforcing while the bucket ACL grants others is InvalidBucketAclWithObjectOwnership; bad values MalformedXML", async () => {
    const bucket = await legacyBucket("own");
    await legacy.s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    const refused = await sdkFailure(
      legacy.s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket: bucket,
          OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
        }),
      ),
    );
    expect(refused).toMatchObject({ name: "InvalidBucketAclWithObjectOwnership", status: 400 });
    await legacy.s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: bucket,
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] },
      }),
    );
    const got = await legacy.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }));
    expect(got.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: "BucketOwnerPreferred" }]);
    const bad = await sdkFailure(
      legacy.s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket: bucket,
          OwnershipControls: { Rules: [{ ObjectOwnership: "Nobody" as "ObjectWriter" }] },
        }),
      ),
    );
    expect(bad).toMatchObject({ name: "MalformedXML", status: 400 });
  });
});

describe("the AWS CLI and boto3", () => {
  test("aws s3 cp --acl public-read: anonymous GET works on a legacy bucket; refused on a current-defaults one", async () => {
    const file = join(work, "page.html");
    await Bun.write(file, "<p>hello</p>");
    const old = await legacyBucket("cli");
    expectOk(await aws(legacy.server, ["s3", "cp", file, `s3://${old}/page.html`, "--acl", "public-read"]));
    await expectAnonymousRead(legacy.server.endpoint, old, "page.html", "<p>hello</p>");
    const fresh = uniqueBucket("cli");
    expectOk(await aws(current.server, ["s3api", "create-bucket", "--bucket", fresh]));
    const refused = await aws(current.server, [
      "s3",
      "cp",
      file,
      `s3://${fresh}/page.html`,
      "--acl",
      "public-read",
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("AccessControlListNotSupported");
    const acl = expectOk(
      await aws(legacy.server, ["s3api", "get-object-acl", "--bucket", old, "--key", "page.html"]),
    ) as { Grants: Grant[] };
    expect(grantsOf(acl.Grants)).toContain(`READ ${allUsers}`);
  });

  test("boto3: put_object ACL, put_object_acl GrantRead, get_object_acl, get_bucket_acl", async () => {
    const bucket = await legacyBucket("boto");
    const result = expectOk(
      await py(
        legacy.server,
        `
        b = "${bucket}"
        s3.put_object(Bucket=b, Key="a", Body=b"a", ACL="public-read")
        s3.put_object(Bucket=b, Key="g", Body=b"g")
        s3.put_object_acl(Bucket=b, Key="g", GrantRead='uri="${authenticatedUsers}"')
        grants = lambda r: sorted(g["Permission"] + " " + g["Grantee"].get("URI", "id") for g in r["Grants"])
        out({
          "a": grants(s3.get_object_acl(Bucket=b, Key="a")),
          "g": grants(s3.get_object_acl(Bucket=b, Key="g")),
          "bucket": grants(s3.get_bucket_acl(Bucket=b)),
        })
        `,
      ),
    );
    expect(result).toEqual({
      a: ["FULL_CONTROL id", `READ ${allUsers}`],
      // Grant headers replace the whole ACL: the owner keeps control as the owner, not by a grant.
      g: [`READ ${authenticatedUsers}`],
      bucket: ["FULL_CONTROL id"],
    });
    expect((await anonymousGet(legacy.server.endpoint, bucket, "a")).status).toBe(200);
  });
});
