/** Bucket policies: the only way to open a bucket or a prefix to anonymous requests. */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { bucketPolicyPreset } from "../../src/auth/policy/index.ts";
import {
  aws,
  type Credentials,
  errorCodeOf,
  py,
  s3Client,
  s3dirCli,
  sdkFailure,
  useHost,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3 } = useHost({ bucket: false });
const url = (bucket: string, key = "") => `${server.endpoint}/${bucket}/${key}`;

beforeAll(async () => {
  for (const bucket of ["downloads", "dropbox", "private-data"]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // New buckets block public policies (AWS's defaults since 2023): open this one first.
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "file.txt", Body: `in ${bucket}` }));
  }
  await s3.send(
    new PutBucketPolicyCommand({ Bucket: "downloads", Policy: bucketPolicyPreset("download", "downloads")! }),
  );
  await s3.send(
    new PutBucketPolicyCommand({ Bucket: "dropbox", Policy: bucketPolicyPreset("upload", "dropbox")! }),
  );
});

describe("a download-only public bucket", () => {
  test("is read and listed with plain fetch and no credentials", async () => {
    const got = await fetch(url("downloads", "file.txt"));
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("in downloads");
    const listed = await fetch(`${url("downloads")}?list-type=2`);
    expect(listed.status).toBe(200);
    expect(await listed.text()).toContain("<Key>file.txt</Key>");
  });

  test("refuses anonymous writes and deletes, and changes nothing", async () => {
    const put = await fetch(url("downloads", "file.txt"), { method: "PUT", body: "defaced" });
    expect(put.status).toBe(403);
    expect(errorCodeOf(await put.text())).toBe("AccessDenied");
    const del = await fetch(url("downloads", "file.txt"), { method: "DELETE" });
    expect(del.status).toBe(403);
    expect(await (await fetch(url("downloads", "file.txt"))).text()).toBe("in downloads");
  });

  test("boto3 and the AWS CLI without credentials (unsigned) can download", async () => {
    const boto = await py(
      server,
      `
      anon = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name="us-east-1",
                          config=Config(signature_version=botocore.UNSIGNED))
      out(anon.get_object(Bucket="downloads", Key="file.txt")["Body"].read().decode())
      `,
    );
    expect(boto.json).toBe("in downloads");
    const cli = await aws(server, ["s3", "ls", "s3://downloads/", "--no-sign-request"]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("file.txt");
  });
});

describe("a missing key", () => {
  test("is 404 to whom may list the bucket and 403 to whom may only read objects, as on S3", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "read-only-objects" }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: "read-only-objects" }));
    await s3.send(new PutObjectCommand({ Bucket: "read-only-objects", Key: "here.txt", Body: "here" }));
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::read-only-objects/*",
        },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: "read-only-objects", Policy: policy }));
    await waitFor(async () => (await fetch(url("read-only-objects", "here.txt"))).status === 200, 2500, 100);
    const missing = await fetch(url("read-only-objects", "nowhere.txt"));
    expect({ status: missing.status, code: errorCodeOf(await missing.text()) }).toEqual({
      status: 403,
      code: "AccessDenied",
    });
    expect((await fetch(url("read-only-objects", "nowhere.txt"), { method: "HEAD" })).status).toBe(403);
    // The download preset also allows s3:ListBucket: its missing keys are 404.
    const listable = await fetch(url("downloads", "nowhere.txt"));
    expect({ status: listable.status, code: errorCodeOf(await listable.text()) }).toEqual({
      status: 404,
      code: "NoSuchKey",
    });
    // The owner may list: 404.
    const own = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: "read-only-objects", Key: "nowhere.txt" })),
    );
    expect(own.status).toBe(404);
  });
});

describe("an upload-only bucket", () => {
  test("takes anonymous uploads but does not serve them", async () => {
    const put = await fetch(url("dropbox", "incoming/report.txt"), { method: "PUT", body: "hello" });
    expect(put.status).toBe(200);
    const get = await fetch(url("dropbox", "incoming/report.txt"));
    expect(get.status).toBe(403);
    const list = await fetch(`${url("dropbox")}?list-type=2`);
    expect(list.status).toBe(403);
  });
});

describe("a bucket without a policy", () => {
  test("refuses anonymous requests", async () => {
    expect((await fetch(url("private-data", "file.txt"))).status).toBe(403);
    expect((await fetch(`${server.endpoint}/`)).status).toBe(403);
  });
});

describe("the policy API", () => {
  test("get, status, delete; a new policy takes effect and a deleted one ends within 2 seconds", async () => {
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: "downloads" }));
    expect(JSON.parse(policy.Policy!)).toEqual(JSON.parse(bucketPolicyPreset("download", "downloads")!));
    const status = await s3.send(new GetBucketPolicyStatusCommand({ Bucket: "downloads" }));
    expect(status.PolicyStatus?.IsPublic).toBe(true);
    expect((await sdkFailure(s3.send(new GetBucketPolicyCommand({ Bucket: "private-data" })))).name).toBe(
      "NoSuchBucketPolicy",
    );

    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: "private-data",
        Policy: bucketPolicyPreset("download", "private-data")!,
      }),
    );
    const setAt = Date.now();
    let opened = (await fetch(url("private-data", "file.txt"))).status;
    while (opened !== 200 && Date.now() - setAt < 2500) {
      await Bun.sleep(100);
      opened = (await fetch(url("private-data", "file.txt"))).status;
    }
    expect(opened).toBe(200);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: "private-data" }));
    const removedAt = Date.now();
    let status403 = (await fetch(url("private-data", "file.txt"))).status;
    while (status403 !== 403 && Date.now() - removedAt < 2500) {
      await Bun.sleep(100);
      status403 = (await fetch(url("private-data", "file.txt"))).status;
    }
    expect(status403).toBe(403);
  });

  test("malformed policies are refused with the reason, and nothing is stored", async () => {
    const cases: [string, string][] = [
      ["{not json", "JSON"],
      [
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::private-data/*" }],
        }),
        "Principal",
      ],
      [
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: "*",
              Action: "s3:GetObjekt",
              Resource: "arn:aws:s3:::private-data/*",
            },
          ],
        }),
        "s3:GetObjekt",
      ],
      [
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::downloads/*" },
          ],
        }),
        "invalid resource",
      ],
    ];
    for (const [policy, reason] of cases) {
      const failure = await sdkFailure(
        s3.send(new PutBucketPolicyCommand({ Bucket: "private-data", Policy: policy })),
      );
      expect({ code: failure.name, status: failure.status }).toEqual({
        code: "MalformedPolicy",
        status: 400,
      });
      expect(failure.message).toContain(reason);
    }
    expect((await sdkFailure(s3.send(new GetBucketPolicyCommand({ Bucket: "private-data" })))).name).toBe(
      "NoSuchBucketPolicy",
    );
  });
});

describe("an explicit Deny", () => {
  const denyAll = (bucket: string, action: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: action,
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        },
      ],
    });
  /** The error code of a call, "" when it succeeds. */
  const outcome = (call: Promise<unknown>) =>
    call.then(
      () => "",
      (e: { name?: string }) => e.name ?? "error",
    );
  const getFails = (client: S3Client, bucket: string) =>
    outcome(client.send(new GetObjectCommand({ Bucket: bucket, Key: "file.txt" })));
  /** Policies are re-read at most once a second: wait (bounded) for the change to show. */
  const until = async (check: () => Promise<boolean>) => expect(await waitFor(check, 2500, 100)).toBe(true);

  test("applies to the root credential; only the bucket policy calls stay open to it", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "deny-root" }));
    await s3.send(new PutObjectCommand({ Bucket: "deny-root", Key: "file.txt", Body: "guarded" }));
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: "deny-root", Policy: denyAll("deny-root", "s3:GetObject") }),
    );
    await until(async () => (await getFails(s3, "deny-root")) === "AccessDenied");
    const failure = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: "deny-root", Key: "file.txt" })));
    expect({ name: failure.name, status: failure.status }).toEqual({ name: "AccessDenied", status: 403 });
    // Not denied: still allowed.
    await s3.send(new PutObjectCommand({ Bucket: "deny-root", Key: "other.txt", Body: "x" }));

    // Denying everything, the policy calls themselves included, cannot lock the root out.
    await s3.send(new PutBucketPolicyCommand({ Bucket: "deny-root", Policy: denyAll("deny-root", "s3:*") }));
    await until(
      async () =>
        (await outcome(s3.send(new PutObjectCommand({ Bucket: "deny-root", Key: "x", Body: "" })))) ===
        "AccessDenied",
    );
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: "deny-root" }));
    expect(policy.Policy).toContain("s3:*");
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: "deny-root" }));
    await until(async () => (await getFails(s3, "deny-root")) === "");
  });

  test("conditions on s3:x-amz-acl, s3:x-amz-grant-read and s3:x-amz-copy-source see the request's headers", async () => {
    const bucket = "deny-cond";
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of ["public/a.txt", "secret/b.txt"]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    }
    const deny = (condition: object) => ({
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${bucket}/*`,
      Condition: condition,
    });
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        deny({ StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } }),
        deny({ StringLike: { "s3:x-amz-grant-read": "*AllUsers*" } }),
        deny({ StringLike: { "s3:x-amz-copy-source": `${bucket}/secret/*` } }),
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
    const put = (input: Partial<PutObjectCommandInput>) =>
      outcome(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "w.txt", Body: "w", ...input })));
    await until(async () => (await put({ ACL: "bucket-owner-full-control" })) === "AccessDenied");
    expect(await put({ GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' })).toBe(
      "AccessDenied",
    );
    expect(await put({})).toBe("");
    const copy = (from: string) =>
      outcome(
        s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy.txt", CopySource: `${bucket}/${from}` })),
      );
    expect(await copy("secret/b.txt")).toBe("AccessDenied");
    expect(await copy("public/a.txt")).toBe("");
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  });

  test("applies to admin users, who cannot lift it themselves", async () => {
    const cli = async (...args: string[]) => {
      const result = await s3dirCli(server.root, ...args, "--json");
      if (result.code !== 0) throw new Error(`s3dir ${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    };
    await cli("user", "add", "deny-admin", "--role", "admin");
    const admin = s3Client(server, JSON.parse(await cli("key", "create", "deny-admin")) as Credentials);
    try {
      await admin.send(new CreateBucketCommand({ Bucket: "deny-admin" }));
      await admin.send(new PutObjectCommand({ Bucket: "deny-admin", Key: "file.txt", Body: "guarded" }));
      await admin.send(
        new PutBucketPolicyCommand({ Bucket: "deny-admin", Policy: denyAll("deny-admin", "s3:*") }),
      );
      await until(async () => (await getFails(admin, "deny-admin")) === "AccessDenied");
      expect(
        (await sdkFailure(admin.send(new DeleteBucketPolicyCommand({ Bucket: "deny-admin" })))).name,
      ).toBe("AccessDenied");
      await s3.send(new DeleteBucketPolicyCommand({ Bucket: "deny-admin" }));
      await until(async () => (await getFails(admin, "deny-admin")) === "");
    } finally {
      admin.destroy();
    }
  });
});

describe("the bucket admin command", () => {
  const cli = (...args: string[]) => s3dirCli(server.root, "bucket", ...args);

  test("creates a bucket and opens it with a preset that the running server enforces", async () => {
    expect((await cli("create", "cli-made")).code).toBe(0);
    expect((await cli("list")).stdout).toContain("cli-made");
    await s3.send(new PutObjectCommand({ Bucket: "cli-made", Key: "hello.txt", Body: "hi" }));
    expect((await fetch(url("cli-made", "hello.txt"))).status).toBe(403);
    expect((await cli("policy", "set", "cli-made", "download")).code).toBe(0);
    const setAt = Date.now();
    let status = (await fetch(url("cli-made", "hello.txt"))).status;
    while (status !== 200 && Date.now() - setAt < 2500) {
      await Bun.sleep(100);
      status = (await fetch(url("cli-made", "hello.txt"))).status;
    }
    expect(status).toBe(200);
    expect(JSON.parse((await cli("policy", "get", "cli-made", "--json")).stdout).Statement.length).toBe(2);
    const bad = await cli("policy", "set", "cli-made", "/dev/null");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("MalformedPolicy");
    expect((await cli("policy", "unset", "cli-made")).code).toBe(0);
    const removed = await cli("remove", "cli-made");
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toContain("BucketNotEmpty");
  });
});
