/** Users' identity policies decide what their keys may do, with every client. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  aws,
  type Credentials,
  py,
  s3Client,
  s3dirJson,
  startHost,
  type TestServer,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

let root: string;
let server: TestServer;
let admin: S3Client;
const bucket = "shared-data";
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
const username = "${aws:username}";

const cli = (...args: string[]): Promise<string> => s3dirJson(root, ...args);

async function userWithKey(name: string, role: "s3" | "admin", ...policies: string[]): Promise<Credentials> {
  await cli("user", "add", name, "--role", role);
  for (const p of policies) await cli("policy", "attach", p, name);
  return JSON.parse(await cli("key", "create", name)) as Credentials;
}

async function addPolicy(name: string, document: object): Promise<void> {
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify(document));
  await cli("policy", "add", name, file);
}

async function denied(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "allowed";
  } catch (e) {
    return (e as { name: string }).name;
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "s3dir-policies-"));
  server = await startHost({ root });
  admin = s3Client(server);
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of ["public/a.txt", "secret/b.txt", "home/carol/c.txt", "home/dave/d.txt"]) {
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `content of ${key}` }));
  }
});
afterAll(async () => {
  admin?.destroy();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("the readonly policy", () => {
  let reader: Credentials;
  beforeAll(async () => {
    reader = await userWithKey("reader", "s3", "readonly");
  });

  test("the JS SDK can list and read but not write", async () => {
    const s3 = s3Client(server, reader);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.KeyCount).toBe(4);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }));
    expect(await got.Body!.transformToString()).toBe("content of public/a.txt");
    expect(
      await denied(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "public/new.txt", Body: "x" }))),
    ).toBe("AccessDenied");
    expect(
      await denied(
        s3.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: "public/copy.txt",
            CopySource: `${bucket}/public/a.txt`,
          }),
        ),
      ),
    ).toBe("AccessDenied");
    const batch = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "public/a.txt" }] } }),
    );
    expect(batch.Errors?.map((e) => e.Code)).toEqual(["AccessDenied"]);
    expect(await denied(s3.send(new CreateBucketCommand({ Bucket: "reader-bucket" })))).toBe("AccessDenied");
    s3.destroy();
  });

  test("the AWS CLI and boto3 can read but not write", async () => {
    const ls = await aws(server, ["s3", "ls", `s3://${bucket}/public/`], { credentials: reader });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain("a.txt");
    const local = join(root, "upload.txt");
    writeFileSync(local, "nope");
    const cp = await aws(server, ["s3", "cp", local, `s3://${bucket}/public/cli.txt`], {
      credentials: reader,
    });
    expect(cp.code).not.toBe(0);
    expect(cp.stderr).toContain("AccessDenied");
    const boto = await py(
      server,
      `
      body = s3.get_object(Bucket="${bucket}", Key="public/a.txt")["Body"].read().decode()
      try:
          s3.put_object(Bucket="${bucket}", Key="public/boto.txt", Body=b"x")
          put = "allowed"
      except botocore.exceptions.ClientError as e:
          put = e.response["Error"]["Code"]
      out({"body": body, "put": put})
      `,
      { credentials: reader },
    );
    expect(boto.json).toEqual({ body: "content of public/a.txt", put: "AccessDenied" });
  });
});

describe("a custom policy", () => {
  test(`confines a user to home/${username}/`, async () => {
    await addPolicy("home-folder", {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ListOwnHome",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: `arn:aws:s3:::${bucket}`,
          Condition: { StringLike: { "s3:prefix": [`home/${username}/`, `home/${username}/*`] } },
        },
        {
          Sid: "ReadWriteOwnHome",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          Resource: `arn:aws:s3:::${bucket}/home/${username}/*`,
        },
      ],
    });
    const s3 = s3Client(server, await userWithKey("carol", "s3", "home-folder"));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "home/carol/new.txt", Body: "mine" }));
    const own = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "home/carol/c.txt" }));
    expect(await own.Body!.transformToString()).toBe("content of home/carol/c.txt");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "home/carol/" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["home/carol/c.txt", "home/carol/new.txt"]);
    expect(await denied(s3.send(new ListObjectsV2Command({ Bucket: bucket })))).toBe("AccessDenied");
    expect(await denied(s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "home/dave/" })))).toBe(
      "AccessDenied",
    );
    expect(await denied(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "home/dave/d.txt" })))).toBe(
      "AccessDenied",
    );
    expect(
      await denied(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "home/dave/evil.txt", Body: "x" }))),
    ).toBe("AccessDenied");
    s3.destroy();
  });

  test("an explicit Deny wins over an Allow", async () => {
    await addPolicy("no-secrets", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/secret/*` }],
    });
    const s3 = s3Client(server, await userWithKey("erin", "s3", "readwrite", "no-secrets"));
    const ok = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }));
    expect(await ok.Body!.transformToString()).toBe("content of public/a.txt");
    expect(await denied(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "secret/b.txt" })))).toBe(
      "AccessDenied",
    );
    s3.destroy();
  });

  test("aws:SourceIp decides by the client's address", async () => {
    const fromNet = (name: string, cidr: string) =>
      addPolicy(name, {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: `arn:aws:s3:::${bucket}/*`,
            Condition: { IpAddress: { "aws:SourceIp": cidr } },
          },
        ],
      });
    await fromNet("from-loopback", "127.0.0.0/8");
    await fromNet("from-office", "192.0.2.0/24");
    const local = s3Client(server, await userWithKey("gina", "s3", "from-loopback"));
    const remote = s3Client(server, await userWithKey("hank", "s3", "from-office"));
    const got = await local.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }));
    expect(await got.Body!.transformToString()).toBe("content of public/a.txt");
    expect(await denied(remote.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" })))).toBe(
      "AccessDenied",
    );
    local.destroy();
    remote.destroy();
  });

  test("a policy change made with the CLI is enforced by two running servers within 2 seconds", async () => {
    const second = await startHost({ root });
    try {
      const frank = await userWithKey("frank", "s3", "readonly");
      const clients = [s3Client(server, frank), s3Client(second, frank)];
      for (const c of clients) await c.send(new ListObjectsV2Command({ Bucket: bucket }));
      await cli("policy", "detach", "readonly", "frank");
      const changedAt = Date.now();
      for (const c of clients) {
        let outcome = await denied(c.send(new ListObjectsV2Command({ Bucket: bucket })));
        while (outcome !== "AccessDenied" && Date.now() - changedAt < 2500) {
          await Bun.sleep(100);
          outcome = await denied(c.send(new ListObjectsV2Command({ Bucket: bucket })));
        }
        expect(outcome).toBe("AccessDenied");
      }
      expect(Date.now() - changedAt).toBeLessThan(2500);
      for (const c of clients) c.destroy();
    } finally {
      await second.stop();
    }
  });
});

test("an admin user may do everything", async () => {
  const s3 = s3Client(server, await userWithKey("ops", "admin"));
  await s3.send(new CreateBucketCommand({ Bucket: "ops-bucket" }));
  await s3.send(new PutObjectCommand({ Bucket: "ops-bucket", Key: "k", Body: "v" }));
  s3.destroy();
});
