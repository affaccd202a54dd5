/** Files owned by their writer: a user's POSIX uid/gid, its sessions', anonymous', none for the rest. */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { statSync } from "node:fs";
import { GetUserCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { s3dirJson } from "../helpers/cli.ts";
import { type Credentials, s3Client, useHost } from "../helpers/index.ts";
import { allowAnyone } from "../helpers/public-policy.ts";

setDefaultTimeout(60_000);

const { server, s3: root } = useHost({
  bucket: false,
  args: ["--anonymous-uid", "4100", "--anonymous-gid", "4200"],
});
const bucket = "owned";

const cli = (...args: string[]): Promise<string> => s3dirJson(server.root, ...args);

async function userWithKey(name: string, ...posix: string[]): Promise<S3Client> {
  await cli("user", "add", name, "--role", "s3", ...posix);
  await cli("policy", "attach", "readwrite", name);
  return s3Client(server, JSON.parse(await cli("key", "create", name)) as Credentials);
}

function owner(path: string): [number, number] {
  const st = statSync(`${server.root}/${bucket}/${path}`);
  return [st.uid, st.gid];
}

let mapped: S3Client;
let unmapped: S3Client;
let mappedCreds: Credentials;

beforeAll(async () => {
  await root.send(new CreateBucketCommand({ Bucket: bucket }));
  await cli("user", "add", "carol", "--role", "s3", "--posix-uid", "3100", "--posix-gid", "3200");
  await cli("policy", "attach", "readwrite", "carol");
  mappedCreds = JSON.parse(await cli("key", "create", "carol")) as Credentials;
  mapped = s3Client(server, mappedCreds);
  unmapped = await userWithKey("dave");
  await allowAnyone(root, bucket, "s3:PutObject", `${bucket}/anon/*`);
});

describe("a mapped user", () => {
  test("PutObject: the file and the directories it made are the user's", async () => {
    await mapped.send(new PutObjectCommand({ Bucket: bucket, Key: "carol/deep/er/a.txt", Body: "a" }));
    expect(owner("carol/deep/er/a.txt")).toEqual([3100, 3200]);
    expect(owner("carol/deep/er")).toEqual([3100, 3200]);
    expect(owner("carol")).toEqual([3100, 3200]);
  });

  test("a directory that already exists keeps its owner", async () => {
    await root.send(new PutObjectCommand({ Bucket: bucket, Key: "shared/root.txt", Body: "r" }));
    await mapped.send(new PutObjectCommand({ Bucket: bucket, Key: "shared/new/b.txt", Body: "b" }));
    expect(owner("shared")).toEqual([process.getuid!(), process.getgid!()]);
    expect(owner("shared/new")).toEqual([3100, 3200]);
    expect(owner("shared/new/b.txt")).toEqual([3100, 3200]);
  });

  test("a directory object (key ending in /) is the user's", async () => {
    await mapped.send(new PutObjectCommand({ Bucket: bucket, Key: "carol-dir/sub/", Body: "" }));
    expect(owner("carol-dir/sub")).toEqual([3100, 3200]);
    expect(owner("carol-dir")).toEqual([3100, 3200]);
  });

  test("CopyObject: the copy is the copier's", async () => {
    await root.send(new PutObjectCommand({ Bucket: bucket, Key: "src.txt", Body: "s" }));
    await mapped.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "copies/c.txt", CopySource: `${bucket}/src.txt` }),
    );
    expect(owner("src.txt")).toEqual([process.getuid!(), process.getgid!()]);
    expect(owner("copies/c.txt")).toEqual([3100, 3200]);
    expect(owner("copies")).toEqual([3100, 3200]);
  });

  test("CompleteMultipartUpload: the object is the user's", async () => {
    const key = "mp/parts/big.bin";
    const { UploadId } = await mapped.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await mapped.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: "part" }),
    );
    await mapped.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(owner(key)).toEqual([3100, 3200]);
    expect(owner("mp/parts")).toEqual([3100, 3200]);
    expect(owner("mp")).toEqual([3100, 3200]);
  });

  test("an STS session writes as its user", async () => {
    const sts = new STSClient({ endpoint: server.endpoint, region: server.region, credentials: mappedCreds });
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/x", RoleSessionName: "s1" }),
    );
    const c = out.Credentials!;
    const session = s3Client(server, {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    await session.send(new PutObjectCommand({ Bucket: bucket, Key: "session/s.txt", Body: "s" }));
    expect(owner("session/s.txt")).toEqual([3100, 3200]);
    expect(owner("session")).toEqual([3100, 3200]);
  });
});

describe("writers without a mapping", () => {
  test("an unmapped user's files are the server's", async () => {
    await unmapped.send(new PutObjectCommand({ Bucket: bucket, Key: "dave/d.txt", Body: "d" }));
    expect(owner("dave/d.txt")).toEqual([process.getuid!(), process.getgid!()]);
    expect(owner("dave")).toEqual([process.getuid!(), process.getgid!()]);
  });

  test("the root credential's files are the server's", async () => {
    await root.send(new PutObjectCommand({ Bucket: bucket, Key: "rootdir/r.txt", Body: "r" }));
    expect(owner("rootdir/r.txt")).toEqual([process.getuid!(), process.getgid!()]);
  });

  test("anonymous writes belong to --anonymous-uid/--anonymous-gid", async () => {
    const anonymous = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: "", secretAccessKey: "" },
      signer: { sign: async (request) => request },
    });
    await anonymous.send(new PutObjectCommand({ Bucket: bucket, Key: "anon/in/x.txt", Body: "x" }));
    expect(owner("anon/in/x.txt")).toEqual([4100, 4200]);
    expect(owner("anon/in")).toEqual([4100, 4200]);
    expect(owner("anon")).toEqual([4100, 4200]);
  });
});

describe("the mapping in the IAM API and the CLI", () => {
  const iam = () =>
    new IAMClient({
      endpoint: server.endpoint,
      region: server.region,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });

  test("GetUser shows it as s3dir:posix-uid/gid tags; unmapped users have none", async () => {
    const carol = (await iam().send(new GetUserCommand({ UserName: "carol" }))).User!;
    expect(carol.Tags).toEqual([
      { Key: "s3dir:posix-uid", Value: "3100" },
      { Key: "s3dir:posix-gid", Value: "3200" },
    ]);
    const dave = (await iam().send(new GetUserCommand({ UserName: "dave" }))).User!;
    expect(dave.Tags).toBeUndefined();
  });

  test("user update sets and clears it", async () => {
    const erin = await userWithKey("erin", "--posix-uid", "3300", "--posix-gid", "3400");
    await erin.send(new PutObjectCommand({ Bucket: bucket, Key: "erin/1.txt", Body: "1" }));
    expect(owner("erin/1.txt")).toEqual([3300, 3400]);
    await cli("user", "update", "erin", "--posix-uid", "3500", "--posix-gid", "3600");
    const shown = JSON.parse(await cli("user", "show", "erin")) as { posix?: unknown };
    expect(shown.posix).toEqual({ uid: 3500, gid: 3600 });
    await cli("user", "update", "erin", "--no-posix");
    expect((JSON.parse(await cli("user", "show", "erin")) as { posix?: unknown }).posix).toBeUndefined();
  });
});
