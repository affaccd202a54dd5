/**
 * The public access block: Put/Get/DeletePublicAccessBlock and each of its four switches as S3
 * enforces it, GetBucketPolicyStatus, and the CLI's policy presets where a block forbids them;
 * with the JS SDK, the AWS CLI and boto3.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyStatusCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { bucketPolicyPreset } from "../../src/auth/policy/index.ts";
import { aws, expectOk, py, s3dirCli, sdkFailure, uniqueBucket, useHost, waitFor } from "../helpers/index.ts";

setDefaultTimeout(120_000);

const { server, s3 } = useHost({ bucket: false });
const allUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
const off: PublicAccessBlockConfiguration = {
  BlockPublicAcls: false,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};

const anonymous = (bucket: string, key = "", init?: RequestInit) =>
  fetch(`${server.endpoint}/${bucket}/${key}`, init);

/** A bucket whose ACLs are on (ObjectWriter) and whose block has exactly these switches on. */
async function bucketWith(block: PublicAccessBlockConfiguration): Promise<string> {
  const bucket = uniqueBucket("pab");
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: "ObjectWriter" }));
  await s3.send(
    new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { ...off, ...block } }),
  );
  return bucket;
}

const setBlock = (bucket: string, block: PublicAccessBlockConfiguration) =>
  s3.send(
    new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { ...off, ...block } }),
  );

const sourceIpPolicy = (bucket: string, cidr: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${bucket}/*`,
        Condition: { IpAddress: { "aws:SourceIp": cidr } },
      },
    ],
  });

describe("Put/Get/DeletePublicAccessBlock", () => {
  test("round trip; a switch left out is false; 404 NoSuchPublicAccessBlockConfiguration once deleted", async () => {
    const bucket = await bucketWith({ BlockPublicAcls: true });
    const got = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(got.PublicAccessBlockConfiguration).toEqual({ ...off, BlockPublicAcls: true });
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: { IgnorePublicAcls: true },
      }),
    );
    expect(
      (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration,
    ).toEqual({ ...off, IgnorePublicAcls: true });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    const missing = await sdkFailure(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })));
    expect(missing).toMatchObject({ name: "NoSuchPublicAccessBlockConfiguration", status: 404 });
  });
});

describe("BlockPublicAcls", () => {
  test("refuses public ACLs on PutObject, PutObjectAcl and PutBucketAcl with AccessDenied; private ones pass", async () => {
    const bucket = await bucketWith({});
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "before", Body: "b", ACL: "public-read" }));
    await setBlock(bucket, { BlockPublicAcls: true });
    for (const acl of ["public-read", "public-read-write", "authenticated-read"] as const) {
      const put = await sdkFailure(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", ACL: acl })),
      );
      expect({ acl, ...put }).toMatchObject({ acl, name: "AccessDenied", status: 403 });
    }
    const grant = await sdkFailure(
      s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: "before", GrantRead: `uri="${allUsers}"` })),
    );
    expect(grant).toMatchObject({ name: "AccessDenied", status: 403 });
    const bucketAcl = await sdkFailure(
      s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" })),
    );
    expect(bucketAcl).toMatchObject({ name: "AccessDenied", status: 403 });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", ACL: "private" }));
    // The block refuses new public ACLs; one already set still works (IgnorePublicAcls is off).
    expect((await anonymous(bucket, "before")).status).toBe(200);
  });
});

describe("IgnorePublicAcls", () => {
  test("public grants stop granting (objects and bucket), yet are still stored and read back", async () => {
    const bucket = await bucketWith({});
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", ACL: "public-read" }));
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    expect((await anonymous(bucket, "k")).status).toBe(200);
    expect((await anonymous(bucket, "?list-type=2")).status).toBe(200);
    await setBlock(bucket, { IgnorePublicAcls: true });
    expect((await anonymous(bucket, "k")).status).toBe(403);
    expect((await anonymous(bucket, "?list-type=2")).status).toBe(403);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "k" }));
    expect(acl.Grants?.some((g) => g.Grantee?.URI === allUsers)).toBe(true);
    // Public ACLs may still be put: only BlockPublicAcls refuses them.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k2", Body: "y", ACL: "public-read" }));
    expect((await anonymous(bucket, "k2")).status).toBe(403);
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    expect((await anonymous(bucket, "k2")).status).toBe(200);
  });
});

describe("BlockPublicPolicy and GetBucketPolicyStatus", () => {
  test("a public policy is AccessDenied; one limited to a source range or to a principal is accepted", async () => {
    const bucket = await bucketWith({ BlockPublicPolicy: true });
    const refused = await sdkFailure(
      s3.send(
        new PutBucketPolicyCommand({ Bucket: bucket, Policy: bucketPolicyPreset("download", bucket)! }),
      ),
    );
    expect(refused).toMatchObject({ name: "AccessDenied", status: 403 });
    const noPolicy = await sdkFailure(s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket })));
    expect(noPolicy).toMatchObject({ name: "NoSuchBucketPolicy", status: 404 });
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: bucket, Policy: sourceIpPolicy(bucket, "10.0.0.0/8") }),
    );
    const status = await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }));
    expect(status.PolicyStatus?.IsPublic).toBe(false);
    const wide = await sdkFailure(
      s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: sourceIpPolicy(bucket, "0.0.0.0/0") })),
    );
    expect(wide.name).toBe("AccessDenied");
  });

  test("GetBucketPolicyStatus: IsPublic for Principal * without a limiting condition", async () => {
    const bucket = await bucketWith({});
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: bucket, Policy: bucketPolicyPreset("download", bucket)! }),
    );
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus?.IsPublic).toBe(
      true,
    );
    // Turning the block on later keeps the policy, as on S3.
    await setBlock(bucket, { BlockPublicPolicy: true });
    expect((await anonymous(bucket, "?list-type=2")).status).toBe(200);
  });
});

describe("RestrictPublicBuckets", () => {
  test("a public policy no longer grants anonymous callers; the owner and non-public grants still work", async () => {
    const bucket = await bucketWith({});
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x" }));
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: bucket, Policy: bucketPolicyPreset("download", bucket)! }),
    );
    expect((await anonymous(bucket, "k")).status).toBe(200);
    await setBlock(bucket, { RestrictPublicBuckets: true });
    expect((await anonymous(bucket, "k")).status).toBe(403);
    const own = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(await own.Body?.transformToString()).toBe("x");
    // A policy pinned to a source range is not public: it keeps granting.
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: bucket, Policy: sourceIpPolicy(bucket, "127.0.0.0/8") }),
    );
    expect((await anonymous(bucket, "k")).status).toBe(200);
  });
});

describe("the CLI's policy presets", () => {
  test("are refused with a clear message where BlockPublicPolicy is on, and work once it is off", async () => {
    const bucket = uniqueBucket("preset");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x" }));
    const refused = await s3dirCli(server.root, "bucket", "policy", "set", bucket, "download");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("BlockPublicPolicy");
    expect(refused.stderr).toContain("the preset download");
    expect((await s3dirCli(server.root, "bucket", "policy", "set", bucket, "none")).code).toBe(0);
    // With only RestrictPublicBuckets left on, a preset would grant nothing: refused too.
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: { ...off, RestrictPublicBuckets: true },
      }),
    );
    const restricted = await s3dirCli(server.root, "bucket", "policy", "set", bucket, "public");
    expect(restricted.code).not.toBe(0);
    expect(restricted.stderr).toContain("RestrictPublicBuckets=false");
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    const set = await s3dirCli(server.root, "bucket", "policy", "set", bucket, "download");
    expect(set.code).toBe(0);
    await waitFor(async () => (await anonymous(bucket, "k")).status === 200);
  });
});

describe("the AWS CLI and boto3", () => {
  test("aws s3api put/get/delete-public-access-block", async () => {
    const bucket = uniqueBucket("pabcli");
    const api = async (...args: string[]) =>
      expectOk(await aws(server, ["s3api", ...args, "--bucket", bucket]));
    await api("create-bucket");
    expect(await api("get-public-access-block")).toEqual({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    await api(
      "put-public-access-block",
      "--public-access-block-configuration",
      "BlockPublicAcls=true,IgnorePublicAcls=false,BlockPublicPolicy=false,RestrictPublicBuckets=false",
    );
    expect(await api("get-public-access-block")).toEqual({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    });
    await aws(server, ["s3api", "delete-public-access-block", "--bucket", bucket]);
    const missing = await aws(server, ["s3api", "get-public-access-block", "--bucket", bucket]);
    expect(missing.stderr).toContain("NoSuchPublicAccessBlockConfiguration");
  });

  test("boto3: put_public_access_block, put_bucket_policy refused, get_bucket_policy_status", async () => {
    const bucket = uniqueBucket("pabpy");
    const result = expectOk(
      await py(
        server,
        `
        b = "${bucket}"
        s3.create_bucket(Bucket=b)
        s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + b + "/*"}]})
        try:
            s3.put_bucket_policy(Bucket=b, Policy=policy)
            refused = None
        except botocore.exceptions.ClientError as e:
            refused = e.response["Error"]["Code"]
        s3.delete_public_access_block(Bucket=b)
        s3.put_bucket_policy(Bucket=b, Policy=policy)
        out({
          "refused": refused,
          "public": s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"],
        })
        `,
      ),
    );
    expect(result).toEqual({ refused: "AccessDenied", public: true });
  });
});
