import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  aws,
  expectOk,
  md5Hex,
  outcome,
  py,
  s3Client,
  s3dirCli,
  sdkFailure,
  startHost,
  uniqueBucket,
  useHost,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "kms" });

interface KeySummary {
  KeyId: string;
  Arn: string;
  Aliases: string[];
  Description: string;
  Enabled: boolean;
  KeyVersion: number;
}

async function kms(...args: string[]): Promise<KeySummary & KeySummary[]> {
  const r = await s3dirCli(server.root, "kms", "key", ...args, "--json");
  if (r.code !== 0) throw new Error(`kms key ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function text(key: string, b = bucket) {
  const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
  return { got, body: await got.Body!.transformToString() };
}

const diskPath = (key: string, b = bucket) => `${server.root}/${b}/${key}`;
const arnShape = /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/;

/** Keys made once for the file: `app` (by alias) and `other`. */
let app: KeySummary;
let other: KeySummary;

describe("s3dir kms key", () => {
  test("create prints the key id and ARN; the key file is 0600 and holds no plain material", async () => {
    app = await kms("create", "app", "--description", "the app's key");
    expect(app.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(app.Arn).toBe(`arn:aws:kms:us-east-1:000000000000:key/${app.KeyId}`);
    expect(app.Aliases).toEqual(["alias/app"]);
    expect(app.Enabled).toBe(true);
    other = await kms("create");
    expect(other.Aliases).toEqual([]);
    const file = `${server.root}/.s3dir/kms/keys/${app.KeyId}.json`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${server.root}/.s3dir/kms`).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(file, "utf8")) as { versions: { w: string; k: string }[] };
    // 32 bytes of material, stored only wrapped (IV + material + tag) under an SSE master key.
    expect(Buffer.from(stored.versions[0]!.w, "base64").length).toBe(12 + 32 + 16);
    const plain = await s3dirCli(server.root, "kms", "key", "create");
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^[0-9a-f-]{36}\tarn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}\n$/);
  });

  test("list shows every key with its aliases and state; a taken alias is refused", async () => {
    const list = await kms("list");
    const mine = list.find((k) => k.KeyId === app.KeyId);
    expect(mine?.Aliases).toEqual(["alias/app"]);
    expect(mine?.Description).toBe("the app's key");
    expect(list.some((k) => k.KeyId === other.KeyId)).toBe(true);
    const again = await s3dirCli(server.root, "kms", "key", "create", "app");
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("alias/app already names key");
    const reserved = await s3dirCli(server.root, "kms", "key", "create", "aws/s3");
    expect(reserved.code).not.toBe(0);
  });
});

describe("SSE-KMS with the SDK", () => {
  const data = new Uint8Array(randomBytes(200_000));

  test("PUT, GET, HEAD with a key id: aws:kms and the key's ARN; ciphertext on disk", async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "id.bin",
        Body: data,
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: app.KeyId,
      }),
    );
    expect(put.ServerSideEncryption).toBe("aws:kms");
    expect(put.SSEKMSKeyId).toBe(app.Arn);
    expect(put.BucketKeyEnabled).toBeUndefined();
    // As on S3, the ETag of an SSE-KMS object is not the MD5 of its data.
    expect(put.ETag).not.toBe(`"${md5Hex(data)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "id.bin" }));
    expect(got.ServerSideEncryption).toBe("aws:kms");
    expect(got.SSEKMSKeyId).toBe(app.Arn);
    expect(got.ETag).toBe(put.ETag);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(data))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "id.bin" }));
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe(app.Arn);
    expect(head.ContentLength).toBe(data.length);
    const disk = readFileSync(diskPath("id.bin"));
    expect(disk.length).toBeGreaterThan(data.length);
    expect(disk.indexOf(Buffer.from(data.subarray(1000, 1032)))).toBe(-1);
  });

  test("the key named by alias, alias ARN and key ARN", async () => {
    for (const [key, id] of [
      ["alias.txt", "alias/app"],
      ["alias-arn.txt", "arn:aws:kms:us-east-1:000000000000:alias/app"],
      ["key-arn.txt", app.Arn],
    ] as const) {
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: key,
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: id,
        }),
      );
      expect(put.SSEKMSKeyId).toBe(app.Arn);
      const { got, body } = await text(key);
      expect(body).toBe(key);
      expect(got.SSEKMSKeyId).toBe(app.Arn);
    }
  });

  test("no key id: the default key aws/s3, made on first use and then reused", async () => {
    const first = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "default1.txt",
        Body: "d1",
        ServerSideEncryption: "aws:kms",
      }),
    );
    expect(first.SSEKMSKeyId).toMatch(arnShape);
    expect([app.Arn, other.Arn]).not.toContain(first.SSEKMSKeyId);
    const second = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "default2.txt",
        Body: "d2",
        ServerSideEncryption: "aws:kms",
      }),
    );
    expect(second.SSEKMSKeyId).toBe(first.SSEKMSKeyId);
    const list = await kms("list");
    expect(list.find((k) => k.Arn === first.SSEKMSKeyId)?.Aliases).toEqual(["alias/aws/s3"]);
    const byAlias = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "default3.txt",
        Body: "d3",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: "alias/aws/s3",
      }),
    );
    expect(byAlias.SSEKMSKeyId).toBe(first.SSEKMSKeyId);
    expect((await text("default1.txt")).body).toBe("d1");
  });

  test("encryption context and bucket key: answered back, and the object reads", async () => {
    const context = Buffer.from(JSON.stringify({ project: "blue" })).toString("base64");
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "ctx.txt",
        Body: "with context",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: "alias/app",
        SSEKMSEncryptionContext: context,
        BucketKeyEnabled: true,
      }),
    );
    expect(put.SSEKMSEncryptionContext).toBe(context);
    expect(put.BucketKeyEnabled).toBe(true);
    const { got, body } = await text("ctx.txt");
    expect(body).toBe("with context");
    expect(got.BucketKeyEnabled).toBe(true);
    const bad = await sdkFailure(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "bad-ctx.txt",
          Body: "x",
          ServerSideEncryption: "aws:kms",
          SSEKMSEncryptionContext: Buffer.from("[1,2]").toString("base64"),
        }),
      ),
    );
    expect([bad.name, bad.status]).toEqual(["InvalidArgument", 400]);
  });

  test("CopyObject: to SSE-KMS from plain, and from SSE-KMS to SSE-S3", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "plain.txt", Body: "plain bytes" }));
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "copied-kms.txt",
        CopySource: `${bucket}/plain.txt`,
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: other.KeyId,
      }),
    );
    expect(copy.ServerSideEncryption).toBe("aws:kms");
    expect(copy.SSEKMSKeyId).toBe(other.Arn);
    const { got, body } = await text("copied-kms.txt");
    expect(body).toBe("plain bytes");
    expect(got.SSEKMSKeyId).toBe(other.Arn);
    expect(readFileSync(diskPath("copied-kms.txt")).includes("plain bytes")).toBe(false);
    const back = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "copied-s3.txt",
        CopySource: `${bucket}/copied-kms.txt`,
        ServerSideEncryption: "AES256",
      }),
    );
    expect(back.ServerSideEncryption).toBe("AES256");
    expect(back.SSEKMSKeyId).toBeUndefined();
    expect((await text("copied-s3.txt")).body).toBe("plain bytes");
  });

  test("multipart: Create, UploadPart and Complete answer aws:kms and the key's ARN", async () => {
    const part1 = new Uint8Array(randomBytes(5 * 1024 * 1024));
    const part2 = new Uint8Array(randomBytes(1000));
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp.bin",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: "alias/app",
      }),
    );
    expect(created.ServerSideEncryption).toBe("aws:kms");
    expect(created.SSEKMSKeyId).toBe(app.Arn);
    const parts = [];
    for (const [i, body] of [part1, part2].entries()) {
      const up = await s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: "mp.bin",
          UploadId: created.UploadId,
          PartNumber: i + 1,
          Body: body,
        }),
      );
      expect(up.ServerSideEncryption).toBe("aws:kms");
      expect(up.SSEKMSKeyId).toBe(app.Arn);
      parts.push({ PartNumber: i + 1, ETag: up.ETag });
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp.bin",
        UploadId: created.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(done.ServerSideEncryption).toBe("aws:kms");
    expect(done.SSEKMSKeyId).toBe(app.Arn);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "mp.bin" }));
    expect(got.SSEKMSKeyId).toBe(app.Arn);
    const all = Buffer.concat([part1, part2]);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(all)).toBe(true);
    expect(readFileSync(diskPath("mp.bin")).indexOf(Buffer.from(part1.subarray(0, 32)))).toBe(-1);
  });

  test("bucket default aws:kms with a KMSMasterKeyID: GetBucketEncryption returns it; plain PUTs use it", async () => {
    const b = uniqueBucket("kmsdef");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: b,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/app" },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
    const conf = await s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
    const [rule] = conf.ServerSideEncryptionConfiguration!.Rules!;
    expect(rule!.ApplyServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: "aws:kms",
      KMSMasterKeyID: "alias/app",
    });
    expect(rule!.BucketKeyEnabled).toBe(true);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: "auto.txt", Body: "by default" }));
    expect(put.ServerSideEncryption).toBe("aws:kms");
    expect(put.SSEKMSKeyId).toBe(app.Arn);
    expect(put.BucketKeyEnabled).toBe(true);
    expect((await text("auto.txt", b)).body).toBe("by default");
    expect(readFileSync(diskPath("auto.txt", b)).includes("by default")).toBe(false);
    // An explicit AES256 header still wins over the default.
    const s3put = await s3.send(
      new PutObjectCommand({ Bucket: b, Key: "aes.txt", Body: "x", ServerSideEncryption: "AES256" }),
    );
    expect(s3put.ServerSideEncryption).toBe("AES256");
  });

  test("unknown keys: 400 KMS.NotFoundException; a key id without aws:kms: InvalidArgument; dsse: 501", async () => {
    const missing = "0b0b0b0b-1111-4222-8333-444444444444";
    const putFailure = (extra: Partial<PutObjectCommandInput>) =>
      sdkFailure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "x.txt", Body: "x", ...extra })));
    for (const id of [
      missing,
      `arn:aws:kms:us-east-1:000000000000:key/${missing}`,
      "alias/nope",
      "not a key",
    ]) {
      const f = await putFailure({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: id });
      expect([f.name, f.status]).toEqual(["KMS.NotFoundException", 400]);
    }
    const f = await putFailure({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: missing });
    expect(f.message).toBe(`Key 'arn:aws:kms:us-east-1:000000000000:key/${missing}' does not exist`);
    const noSse = await putFailure({ SSEKMSKeyId: app.KeyId });
    expect([noSse.name, noSse.status]).toEqual(["InvalidArgument", 400]);
    const dsse = await putFailure({ ServerSideEncryption: "aws:kms:dsse" });
    expect([dsse.name, dsse.status]).toEqual(["NotImplemented", 501]);
    const created = await sdkFailure(
      s3.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: "x.bin",
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: "alias/nope",
        }),
      ),
    );
    expect(created.name).toBe("KMS.NotFoundException");
  });

  test("a disabled key: KMS.DisabledException on write and on read, until enabled again", async () => {
    const k = await kms("create", "soon-off");
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "off.txt",
        Body: "off",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: k.KeyId,
      }),
    );
    const disabled = await kms("disable", "soon-off");
    expect(disabled.Enabled).toBe(false);
    const write = await sdkFailure(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "off2.txt",
          Body: "x",
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: "alias/soon-off",
        }),
      ),
    );
    expect([write.name, write.status, write.message]).toEqual([
      "KMS.DisabledException",
      400,
      `${k.Arn} is disabled.`,
    ]);
    const read = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "off.txt" })));
    expect([read.name, read.status]).toEqual(["KMS.DisabledException", 400]);
    // HEAD reads no data key (S3 asks no kms:Decrypt for it): it still answers.
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "off.txt" }));
    expect(head.SSEKMSKeyId).toBe(k.Arn);
    const copy = await sdkFailure(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "off3.txt", CopySource: `${bucket}/off.txt` })),
    );
    expect(copy.name).toBe("KMS.DisabledException");
    await kms("enable", k.KeyId);
    expect((await text("off.txt")).body).toBe("off");
  });

  test("key rotation: new material version; objects of every version stay readable", async () => {
    const k = await kms("create", "rotating");
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "v1.txt",
        Body: "one",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: "alias/rotating",
      }),
    );
    const rotated = await kms("rotate", "alias/rotating");
    expect(rotated.KeyVersion).toBe(2);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "v2.txt",
        Body: "two",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: k.Arn,
      }),
    );
    expect((await text("v1.txt")).body).toBe("one");
    expect((await text("v2.txt")).body).toBe("two");
    const stored = JSON.parse(readFileSync(`${server.root}/.s3dir/kms/keys/${k.KeyId}.json`, "utf8")) as {
      versions: { v: number }[];
    };
    expect(stored.versions.map((v) => v.v)).toEqual([2, 1]);
  });

  test("master key rotation rewraps the KMS keys' material; their objects stay readable", async () => {
    const ringFile = `${server.root}/.s3dir/sse/keys.json`;
    const ring = () =>
      (JSON.parse(readFileSync(ringFile, "utf8")) as { keys: { id: string }[] }).keys.map((k) => k.id);
    const [before] = ring();
    const r = await s3dirCli(server.root, "master-key", "rotate", "--grace", "0", "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      current: string;
      rewrapped_kms_versions: number;
      dropped: string[];
      failed: string[];
    };
    expect(out.failed).toEqual([]);
    expect(out.rewrapped_kms_versions).toBeGreaterThanOrEqual(5);
    // The old master key wrapped nothing any more: dropped, so reads below prove the rewrap.
    expect(out.dropped).toContain(before!);
    expect(ring()).toEqual([out.current]);
    const stored = JSON.parse(readFileSync(`${server.root}/.s3dir/kms/keys/${app.KeyId}.json`, "utf8")) as {
      versions: { k: string }[];
    };
    expect(stored.versions[0]!.k).toBe(out.current);
    // A fresh host process (nothing unwrapped in memory) reads them with the new master key alone.
    const fresh = await startHost({ root: server.root, process: true });
    const client = s3Client(fresh);
    try {
      for (const [key, body] of [
        ["alias.txt", "alias.txt"],
        ["v1.txt", "one"],
        ["v2.txt", "two"],
        ["default1.txt", "d1"],
        ["ctx.txt", "with context"],
      ]) {
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        expect(await got.Body!.transformToString()).toBe(body!);
      }
    } finally {
      client.destroy();
      await fresh.stop();
    }
  });
});

describe("policy conditions on SSE-KMS", () => {
  test("s3:x-amz-server-side-encryption and …-aws-kms-key-id decide a Deny", async () => {
    const b = uniqueBucket("kmspol");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${b}/*`,
          Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "AES256" } },
        },
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${b}/*`,
          Condition: { StringEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": other.KeyId } },
        },
      ],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: JSON.stringify(policy) }));
    const put = (key: string, extra: Partial<PutObjectCommandInput>) =>
      outcome(s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: key, ...extra })));
    // Policies are re-read at most once a second: wait (bounded) for the change to show.
    expect(
      await waitFor(
        async () => (await put("aes.txt", { ServerSideEncryption: "AES256" })) === "AccessDenied",
        2500,
        100,
      ),
    ).toBe(true);
    expect(await put("other.txt", { ServerSideEncryption: "aws:kms", SSEKMSKeyId: other.KeyId })).toBe(
      "AccessDenied",
    );
    expect(await put("app.txt", { ServerSideEncryption: "aws:kms", SSEKMSKeyId: app.KeyId })).toBe("allowed");
  });
});

describe("SSE-KMS with the AWS CLI and boto3", () => {
  test("aws s3 cp --sse aws:kms --sse-kms-key-id", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "s3dir-kms-")), "upload.txt");
    writeFileSync(file, "from the aws cli");
    expectOk(
      await aws(server, [
        "s3",
        "cp",
        file,
        `s3://${bucket}/cli.txt`,
        "--sse",
        "aws:kms",
        "--sse-kms-key-id",
        app.KeyId,
      ]),
    );
    const head = expectOk(
      await aws(server, ["s3api", "head-object", "--bucket", bucket, "--key", "cli.txt"]),
    ) as {
      ServerSideEncryption: string;
      SSEKMSKeyId: string;
    };
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe(app.Arn);
    const down = `${file}.down`;
    expectOk(await aws(server, ["s3", "cp", `s3://${bucket}/cli.txt`, down]));
    expect(readFileSync(down, "utf8")).toBe("from the aws cli");
  });

  test("boto3 put_object with SSEKMSKeyId, get_object", async () => {
    const res = await py(
      server,
      `
      put = s3.put_object(Bucket="${bucket}", Key="boto.txt", Body=b"from boto3",
                          ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/app")
      got = s3.get_object(Bucket="${bucket}", Key="boto.txt")
      out({"put": [put["ServerSideEncryption"], put["SSEKMSKeyId"]],
           "get": [got["ServerSideEncryption"], got["SSEKMSKeyId"], got["Body"].read().decode()]})
      `,
    );
    const out = expectOk(res) as { put: string[]; get: string[] };
    expect(out.put).toEqual(["aws:kms", app.Arn]);
    expect(out.get).toEqual(["aws:kms", app.Arn, "from boto3"]);
  });
});
