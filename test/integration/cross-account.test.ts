/**
 * Two accounts with grants, policies and a public access block between them, evaluated as AWS
 * does: account B's users reach account A's objects through A's bucket policy, an object ACL
 * grant or a bucket ACL grant to B's canonical id, each only as far as B's own identity policies
 * allow; a public access block stops public grants; and who owns an object B writes into A's
 * bucket follows the bucket's object ownership.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  aws,
  type Credentials,
  outcome,
  s3Client,
  s3dirCli,
  uniqueBucket,
  useHost,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server } = useHost({ bucket: false });

interface Account {
  accountId: string;
  canonicalId: string;
  displayName: string;
  accessKeyId: string;
  secretAccessKey: string;
}

async function createAccount(name: string): Promise<Account> {
  const result = await s3dirCli(server.root, "account", "create", name, "--json");
  if (result.code !== 0) throw new Error(`account create ${name} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Account;
}

const credsOf = (a: Account): Credentials => ({
  accessKeyId: a.accessKeyId,
  secretAccessKey: a.secretAccessKey,
});

/** A user of an account, made by its root over the IAM API, with these identity policy statements. */
async function userOf(account: Account, name: string, statements: object[]): Promise<Credentials> {
  const iam = new IAMClient({
    endpoint: server.endpoint,
    region: server.region,
    credentials: credsOf(account),
  });
  await iam.send(new CreateUserCommand({ UserName: name }));
  if (statements.length > 0) {
    await iam.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: "own",
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
      }),
    );
  }
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
}

const readAnything = [
  { Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket", "s3:GetObjectAcl"], Resource: "*" },
];

let alpha: Account;
let beta: Account;
let alphaRoot: S3Client;
let betaRoot: S3Client;
/** B's user whose own policy allows reading anything. */
let betaReaderKey: Credentials;
let betaReader: S3Client;
/** B's user with no identity policy at all. */
let betaBare: S3Client;
/** A's bucket with ACLs on (ObjectWriter) and no public access block. */
const shared = uniqueBucket("shared");
/** A's bucket with AWS's current defaults: BucketOwnerEnforced, everything public blocked. */
const enforced = uniqueBucket("enforced");

const grantId = (a: Account) => `id="${a.canonicalId}"`;
const bodyOf = async (client: S3Client, bucket: string, key: string) =>
  await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
const anonymousGet = (bucket: string, key: string) => fetch(`${server.endpoint}/${bucket}/${key}`);

beforeAll(async () => {
  alpha = await createAccount("alpha");
  beta = await createAccount("beta");
  alphaRoot = s3Client(server, credsOf(alpha));
  betaRoot = s3Client(server, credsOf(beta));
  betaReaderKey = await userOf(beta, "reader", readAnything);
  betaReader = s3Client(server, betaReaderKey);
  betaBare = s3Client(server, await userOf(beta, "bare", []));
  await alphaRoot.send(new CreateBucketCommand({ Bucket: shared, ObjectOwnership: "ObjectWriter" }));
  await alphaRoot.send(new DeletePublicAccessBlockCommand({ Bucket: shared }));
  await alphaRoot.send(new CreateBucketCommand({ Bucket: enforced }));
  for (const key of ["policy/doc.txt", "private.txt"]) {
    await alphaRoot.send(new PutObjectCommand({ Bucket: shared, Key: key, Body: `alpha's ${key}` }));
  }
  await alphaRoot.send(
    new PutObjectCommand({
      Bucket: shared,
      Key: "acl/doc.txt",
      Body: "alpha's granted doc",
      GrantRead: grantId(beta),
      GrantFullControl: grantId(alpha),
    }),
  );
  await alphaRoot.send(
    new PutBucketPolicyCommand({
      Bucket: shared,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${beta.accountId}:root` },
            Action: "s3:GetObject",
            Resource: `arn:aws:s3:::${shared}/policy/*`,
          },
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${beta.accountId}:root` },
            Action: ["s3:PutObject", "s3:PutObjectAcl"],
            Resource: `arn:aws:s3:::${shared}/preferred/*`,
          },
        ],
      }),
    }),
  );
});

describe("B's users reach A's objects through A's grant and their own policy", () => {
  test("(1) a bucket policy naming account B", async () => {
    expect(await bodyOf(betaReader, shared, "policy/doc.txt")).toBe("alpha's policy/doc.txt");
    expect(await bodyOf(betaRoot, shared, "policy/doc.txt")).toBe("alpha's policy/doc.txt");
    expect(
      await outcome(betaBare.send(new GetObjectCommand({ Bucket: shared, Key: "policy/doc.txt" }))),
    ).toBe("AccessDenied");
    expect(await outcome(betaReader.send(new GetObjectCommand({ Bucket: shared, Key: "private.txt" })))).toBe(
      "AccessDenied",
    );
  });

  test("(2) an object ACL grant to B's canonical id (x-amz-grant-read), shown with B's name", async () => {
    expect(await bodyOf(betaRoot, shared, "acl/doc.txt")).toBe("alpha's granted doc");
    expect(await bodyOf(betaReader, shared, "acl/doc.txt")).toBe("alpha's granted doc");
    expect(await outcome(betaBare.send(new GetObjectCommand({ Bucket: shared, Key: "acl/doc.txt" })))).toBe(
      "AccessDenied",
    );
    // A's grant to itself gives A's own users nothing their own policies do not.
    const alphaBare = s3Client(server, await userOf(alpha, "bare", []));
    expect(await outcome(alphaBare.send(new GetObjectCommand({ Bucket: shared, Key: "acl/doc.txt" })))).toBe(
      "AccessDenied",
    );
    const acl = await alphaRoot.send(new GetObjectAclCommand({ Bucket: shared, Key: "acl/doc.txt" }));
    expect(acl.Owner).toEqual({ ID: alpha.canonicalId, DisplayName: "alpha" });
    expect(acl.Grants?.map((g) => [g.Grantee?.ID, g.Grantee?.DisplayName, g.Permission])).toEqual([
      [alpha.canonicalId, "alpha", "FULL_CONTROL"],
      [beta.canonicalId, "beta", "READ"],
    ]);
    // The AWS CLI, as B's user: the same grant.
    const out = join(server.root, "..", `cli-${shared}.txt`);
    const cli = await aws(server, ["s3", "cp", `s3://${shared}/acl/doc.txt`, out], {
      credentials: betaReaderKey,
    });
    expect(cli.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("alpha's granted doc");
  });

  test("(3) a bucket ACL READ grant to B lists the bucket (PutBucketAcl XML with CanonicalUser)", async () => {
    expect(await outcome(betaReader.send(new ListObjectsV2Command({ Bucket: shared })))).toBe("AccessDenied");
    await alphaRoot.send(
      new PutBucketAclCommand({
        Bucket: shared,
        AccessControlPolicy: {
          Owner: { ID: alpha.canonicalId },
          Grants: [
            { Grantee: { Type: "CanonicalUser", ID: alpha.canonicalId }, Permission: "FULL_CONTROL" },
            { Grantee: { Type: "CanonicalUser", ID: beta.canonicalId }, Permission: "READ" },
          ],
        },
      }),
    );
    const listed = await betaReader.send(new ListObjectsV2Command({ Bucket: shared, Prefix: "acl/" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["acl/doc.txt"]);
    expect((await betaRoot.send(new ListObjectsV2Command({ Bucket: shared }))).KeyCount).toBeGreaterThan(0);
    expect(await outcome(betaBare.send(new ListObjectsV2Command({ Bucket: shared })))).toBe("AccessDenied");
    // READ on the bucket lists it; it does not read its objects.
    expect(await outcome(betaReader.send(new GetObjectCommand({ Bucket: shared, Key: "private.txt" })))).toBe(
      "AccessDenied",
    );
    const acl = await alphaRoot.send(new GetBucketAclCommand({ Bucket: shared }));
    expect(acl.Grants?.map((g) => [g.Grantee?.DisplayName, g.Permission])).toEqual([
      ["alpha", "FULL_CONTROL"],
      ["beta", "READ"],
    ]);
  });
});

describe("an ACL grant without any bucket policy", () => {
  test("B's root reads A's granted object; an ungranted one stays closed", async () => {
    const plain = uniqueBucket("plain");
    await alphaRoot.send(new CreateBucketCommand({ Bucket: plain, ObjectOwnership: "ObjectWriter" }));
    await alphaRoot.send(
      new PutObjectCommand({ Bucket: plain, Key: "granted.txt", Body: "for beta", GrantRead: grantId(beta) }),
    );
    await alphaRoot.send(new PutObjectCommand({ Bucket: plain, Key: "closed.txt", Body: "alpha only" }));
    expect(await bodyOf(betaRoot, plain, "granted.txt")).toBe("for beta");
    expect(await bodyOf(betaReader, plain, "granted.txt")).toBe("for beta");
    expect(await outcome(betaRoot.send(new GetObjectCommand({ Bucket: plain, Key: "closed.txt" })))).toBe(
      "AccessDenied",
    );
  });
});

describe("a public access block between the accounts", () => {
  test("IgnorePublicAcls stops public-read and authenticated-read grants; a grant to B's id stays", async () => {
    await alphaRoot.send(
      new PutObjectCommand({ Bucket: shared, Key: "public.txt", Body: "p", ACL: "public-read" }),
    );
    await alphaRoot.send(
      new PutObjectCommand({ Bucket: shared, Key: "signed-in.txt", Body: "s", ACL: "authenticated-read" }),
    );
    expect((await anonymousGet(shared, "public.txt")).status).toBe(200);
    expect(await bodyOf(betaReader, shared, "signed-in.txt")).toBe("s");
    expect(await bodyOf(betaRoot, shared, "signed-in.txt")).toBe("s");
    await alphaRoot.send(
      new PutPublicAccessBlockCommand({
        Bucket: shared,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true },
      }),
    );
    expect((await anonymousGet(shared, "public.txt")).status).toBe(403);
    expect(
      await outcome(betaReader.send(new GetObjectCommand({ Bucket: shared, Key: "signed-in.txt" }))),
    ).toBe("AccessDenied");
    expect(await bodyOf(betaReader, shared, "acl/doc.txt")).toBe("alpha's granted doc");
    expect(
      await outcome(
        alphaRoot.send(
          new PutObjectCommand({ Bucket: shared, Key: "public2.txt", Body: "p", ACL: "public-read" }),
        ),
      ),
    ).toBe("AccessDenied");
    await alphaRoot.send(new DeletePublicAccessBlockCommand({ Bucket: shared }));
    expect((await anonymousGet(shared, "public.txt")).status).toBe(200);
  });
});

describe("who owns what B writes into A's bucket", () => {
  test("ObjectWriter: B (granted WRITE) owns its object; A cannot read it until B grants it", async () => {
    await alphaRoot.send(
      new PutBucketAclCommand({
        Bucket: shared,
        GrantFullControl: grantId(alpha),
        GrantRead: grantId(beta),
        GrantWrite: grantId(beta),
      }),
    );
    await betaRoot.send(new PutObjectCommand({ Bucket: shared, Key: "from-b.txt", Body: "beta's" }));
    const acl = await betaRoot.send(new GetObjectAclCommand({ Bucket: shared, Key: "from-b.txt" }));
    expect(acl.Owner).toEqual({ ID: beta.canonicalId, DisplayName: "beta" });
    expect(await bodyOf(betaRoot, shared, "from-b.txt")).toBe("beta's");
    expect(await outcome(alphaRoot.send(new GetObjectCommand({ Bucket: shared, Key: "from-b.txt" })))).toBe(
      "AccessDenied",
    );
    expect(
      await outcome(alphaRoot.send(new GetObjectAclCommand({ Bucket: shared, Key: "from-b.txt" }))),
    ).toBe("AccessDenied");
    expect(
      await outcome(alphaRoot.send(new GetObjectTaggingCommand({ Bucket: shared, Key: "from-b.txt" }))),
    ).toBe("AccessDenied");
    const v2 = await alphaRoot.send(new ListObjectsV2Command({ Bucket: shared, FetchOwner: true }));
    const owners = new Map(v2.Contents?.map((o) => [o.Key, o.Owner?.DisplayName]));
    expect(owners.get("from-b.txt")).toBe("beta");
    expect(owners.get("private.txt")).toBe("alpha");
    const v1 = await alphaRoot.send(new ListObjectsCommand({ Bucket: shared, Prefix: "from-b" }));
    expect(v1.Contents?.[0]?.Owner).toEqual({ ID: beta.canonicalId, DisplayName: "beta" });
    const versions = await alphaRoot.send(
      new ListObjectVersionsCommand({ Bucket: shared, Prefix: "from-b" }),
    );
    expect(versions.Versions?.[0]?.Owner).toEqual({ ID: beta.canonicalId, DisplayName: "beta" });

    await betaRoot.send(
      new PutObjectAclCommand({ Bucket: shared, Key: "from-b.txt", ACL: "bucket-owner-read" }),
    );
    expect(await bodyOf(alphaRoot, shared, "from-b.txt")).toBe("beta's");
  });

  test("ObjectWriter: an upload B starts lists B as its Initiator and Owner, A's own lists A", async () => {
    await alphaRoot.send(
      new PutBucketAclCommand({
        Bucket: shared,
        GrantFullControl: grantId(alpha),
        GrantRead: grantId(beta),
        GrantWrite: grantId(beta),
      }),
    );
    const byBeta = await betaRoot.send(new CreateMultipartUploadCommand({ Bucket: shared, Key: "mpu/b" }));
    const byAlpha = await alphaRoot.send(new CreateMultipartUploadCommand({ Bucket: shared, Key: "mpu/a" }));
    const betaId = { ID: beta.canonicalId, DisplayName: "beta" };
    const alphaId = { ID: alpha.canonicalId, DisplayName: "alpha" };
    for (const client of [alphaRoot, betaRoot]) {
      const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: shared, Prefix: "mpu/" }));
      expect(listed.Uploads?.map((u) => [u.Key, u.Initiator, u.Owner])).toEqual([
        ["mpu/a", alphaId, alphaId],
        ["mpu/b", betaId, betaId],
      ]);
    }
    // As on S3, the initiator may list the parts of its upload and abort it, the bucket owner too.
    const parts = await betaRoot.send(
      new ListPartsCommand({ Bucket: shared, Key: "mpu/b", UploadId: byBeta.UploadId }),
    );
    expect([parts.Initiator, parts.Owner]).toEqual([betaId, betaId]);
    const abort = (client: S3Client, key: string, uploadId?: string) =>
      outcome(client.send(new AbortMultipartUploadCommand({ Bucket: shared, Key: key, UploadId: uploadId })));
    expect(await abort(betaBare, "mpu/b", byBeta.UploadId)).toBe("AccessDenied");
    expect(await abort(betaRoot, "mpu/a", byAlpha.UploadId)).toBe("AccessDenied");
    expect(await abort(betaRoot, "mpu/b", byBeta.UploadId)).toBe("allowed");
    expect(await abort(alphaRoot, "mpu/a", byAlpha.UploadId)).toBe("allowed");
    const second = await betaRoot.send(new CreateMultipartUploadCommand({ Bucket: shared, Key: "mpu/c" }));
    expect(await abort(alphaRoot, "mpu/c", second.UploadId)).toBe("allowed");
  });

  test("BucketOwnerPreferred: bucket-owner-full-control makes A the owner; without it B owns", async () => {
    await alphaRoot.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: shared,
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] },
      }),
    );
    await betaRoot.send(
      new PutObjectCommand({
        Bucket: shared,
        Key: "preferred/full.txt",
        Body: "given",
        ACL: "bucket-owner-full-control",
      }),
    );
    await betaRoot.send(new PutObjectCommand({ Bucket: shared, Key: "preferred/kept.txt", Body: "kept" }));
    const given = await alphaRoot.send(
      new GetObjectAclCommand({ Bucket: shared, Key: "preferred/full.txt" }),
    );
    expect(given.Owner?.ID).toBe(alpha.canonicalId);
    expect(await bodyOf(alphaRoot, shared, "preferred/full.txt")).toBe("given");
    const kept = await betaRoot.send(new GetObjectAclCommand({ Bucket: shared, Key: "preferred/kept.txt" }));
    expect(kept.Owner?.ID).toBe(beta.canonicalId);
    expect(
      await outcome(alphaRoot.send(new GetObjectCommand({ Bucket: shared, Key: "preferred/kept.txt" }))),
    ).toBe("AccessDenied");
  });

  test("BucketOwnerEnforced: A owns what B writes, B cannot read it back without a grant", async () => {
    await alphaRoot.send(
      new PutBucketPolicyCommand({
        Bucket: enforced,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${beta.accountId}:root` },
              Action: "s3:PutObject",
              Resource: `arn:aws:s3:::${enforced}/*`,
            },
          ],
        }),
      }),
    );
    await betaRoot.send(new PutObjectCommand({ Bucket: enforced, Key: "from-b.txt", Body: "beta's" }));
    expect(await bodyOf(alphaRoot, enforced, "from-b.txt")).toBe("beta's");
    const acl = await alphaRoot.send(new GetObjectAclCommand({ Bucket: enforced, Key: "from-b.txt" }));
    expect(acl.Owner).toEqual({ ID: alpha.canonicalId, DisplayName: "alpha" });
    expect(await outcome(betaRoot.send(new GetObjectCommand({ Bucket: enforced, Key: "from-b.txt" })))).toBe(
      "AccessDenied",
    );
    const listed = await alphaRoot.send(new ListObjectsV2Command({ Bucket: enforced, FetchOwner: true }));
    expect(listed.Contents?.[0]?.Owner?.DisplayName).toBe("alpha");
  });
});
