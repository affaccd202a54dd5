/**
 * --posix-permissions enforce: requests of users with a POSIX uid also pass the files' mode
 * bits and ACLs, as the kernel would judge that uid and its groups. The root credential and
 * unmapped users are not checked; with the option off nothing changes.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { type Credentials, s3Client, s3dirCli, useHost } from "../helpers/index.ts";
import { allowAnyone } from "../helpers/public-policy.ts";
import { ensureTestUser } from "../helpers/unprivileged.ts";

setDefaultTimeout(60_000);

const { server, s3: root } = useHost({ bucket: false, args: ["--posix-permissions", "enforce"] });
const off = useHost({ bucket: false });
const bucket = "perm";
const READERS = "s3dir-perm-readers";

const pat = ensureTestUser("s3dir-test");
const mal = ensureTestUser("s3dir-mallory");

function run(...cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

/** A group s3dir-test is a supplementary member of (getgrouplist must report it). */
function readersGroup(): number {
  const existing = Bun.spawnSync(["getent", "group", READERS], { stdout: "pipe" });
  if (existing.exitCode !== 0) run("groupadd", "--system", READERS);
  run("gpasswd", "-a", pat.name, READERS);
  return Number(run("getent", "group", READERS).split(":")[2]);
}

async function userClient(host: typeof server, name: string, ...posix: string[]): Promise<S3Client> {
  const cli = async (...args: string[]) => {
    const result = await s3dirCli(host.root, ...args, "--json");
    if (result.code !== 0) throw new Error(`s3dir ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  };
  await cli("user", "add", name, "--role", "s3", ...posix);
  await cli("policy", "attach", "readwrite", name);
  return s3Client(host, JSON.parse(await cli("key", "create", name)) as Credentials);
}

const mapping = (u: { uid: number; gid: number }) => [
  "--posix-uid",
  String(u.uid),
  "--posix-gid",
  String(u.gid),
];

/** A file (or, with a trailing "/", a directory) under the bucket, with its owner and mode. */
function make(host: typeof server, path: string, uid: number, gid: number, mode: number): void {
  const full = `${host.root}/${bucket}/${path.replace(/\/$/, "")}`;
  if (path.endsWith("/")) mkdirSync(full, { recursive: true });
  else writeFileSync(full, `body of ${path}`);
  chownSync(full, uid, gid);
  chmodSync(full, mode);
}

/** Any S3 command (send's overloads do not accept a union of them). */
type AnyCommand = object;

async function status(client: S3Client, command: AnyCommand): Promise<number> {
  try {
    const out = (await client.send(command as never)) as { $metadata: { httpStatusCode?: number } };
    return out.$metadata.httpStatusCode ?? 0;
  } catch (e) {
    return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1;
  }
}

async function refusal(client: S3Client, command: AnyCommand): Promise<string> {
  try {
    await client.send(command as never);
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    expect(err.name).toBe("AccessDenied");
    expect(err.$metadata?.httpStatusCode).toBe(403);
    return err.message;
  }
  throw new Error("the request was not refused");
}

const get = (key: string) => new GetObjectCommand({ Bucket: bucket, Key: key });
const put = (key: string) => new PutObjectCommand({ Bucket: bucket, Key: key, Body: "new" });
const del = (key: string) => new DeleteObjectCommand({ Bucket: bucket, Key: key });
const exists = (path: string) => existsSync(`${server.root}/${bucket}/${path}`);

let patS3: S3Client;
let malS3: S3Client;
let uid0S3: S3Client;
let unmappedS3: S3Client;
let readers: number;

beforeAll(async () => {
  readers = readersGroup();
  await root.send(new CreateBucketCommand({ Bucket: bucket }));
  patS3 = await userClient(server, "pat", ...mapping(pat));
  malS3 = await userClient(server, "mal", ...mapping(mal));
  uid0S3 = await userClient(server, "rooty", "--posix-uid", "0", "--posix-gid", "0");
  unmappedS3 = await userClient(server, "dave");
  make(server, "private.txt", mal.uid, mal.gid, 0o600);
  make(server, "group.txt", mal.uid, pat.gid, 0o640);
  make(server, "readers.txt", 0, readers, 0o640);
  make(server, "acl-user.txt", 0, 0, 0o600);
  run("setfacl", "-m", `u:${pat.uid}:r`, `${server.root}/${bucket}/acl-user.txt`);
  make(server, "acl-masked.txt", 0, 0, 0o600);
  run("setfacl", "-m", `u:${pat.uid}:r`, `${server.root}/${bucket}/acl-masked.txt`);
  chmodSync(`${server.root}/${bucket}/acl-masked.txt`, 0o610); // chmod g= sets the mask: x only
  make(server, "locked/", 0, 0, 0o700);
  make(server, "locked/inside.txt", 0, 0, 0o644);
  make(server, "tmp/", 0, 0, 0o1777);
  make(server, "tmp/mals.txt", mal.uid, mal.gid, 0o666);
  make(server, "ro/", 0, 0, 0o755);
  make(server, "rw/", 0, 0, 0o777);
  make(server, "list/", 0, 0, 0o755);
  make(server, "list/top.txt", 0, 0, 0o600);
  make(server, "list/open/", 0, 0, 0o755);
  make(server, "list/open/a.txt", 0, 0, 0o600);
  make(server, "list/closed/", 0, 0, 0o700);
  make(server, "list/closed/b.txt", 0, 0, 0o644);
  make(server, "list/noexec/", 0, 0, 0o744);
  make(server, "list/noexec/c.txt", 0, 0, 0o644);
});

describe("reads", () => {
  test("a 0600 file of another uid: 403 for a mapped user, 200 for its owner, unmapped users and root", async () => {
    const message = await refusal(patS3, get("private.txt"));
    expect(message).toContain(`uid ${pat.uid}`);
    expect(message).toContain(`read (r)`);
    expect(message).toContain(`'${bucket}/private.txt'`);
    expect(message).not.toContain(server.root);
    // HEAD errors carry no body: the status alone.
    expect(await status(patS3, new HeadObjectCommand({ Bucket: bucket, Key: "private.txt" }))).toBe(403);
    expect(await status(malS3, get("private.txt"))).toBe(200);
    expect(await status(unmappedS3, get("private.txt"))).toBe(200);
    expect(await status(root, get("private.txt"))).toBe(200);
  });

  test("a user mapped to uid 0 reads anything (the kernel's override)", async () => {
    expect(await status(uid0S3, get("private.txt"))).toBe(200);
    expect(await status(uid0S3, get("locked/inside.txt"))).toBe(200);
  });

  test("group read through the primary gid and through a supplementary group", async () => {
    expect(await status(patS3, get("group.txt"))).toBe(200);
    expect(await status(patS3, get("readers.txt"))).toBe(200);
    await refusal(malS3, get("readers.txt"));
  });

  test("an ACL entry for the uid grants read; the mask limits it", async () => {
    expect(await status(patS3, get("acl-user.txt"))).toBe(200);
    await refusal(malS3, get("acl-user.txt"));
    const message = await refusal(patS3, get("acl-masked.txt"));
    expect(message).toContain("read (r)");
  });

  test("a directory without x blocks the objects below it, present or not", async () => {
    const message = await refusal(patS3, get("locked/inside.txt"));
    expect(message).toContain(`search (x) permission on directory '${bucket}/locked'`);
    await refusal(patS3, get("locked/missing.txt"));
    expect(await status(unmappedS3, get("locked/inside.txt"))).toBe(200);
    expect(await status(patS3, get("missing.txt"))).toBe(404);
  });

  test("CopyObject needs read on the source", async () => {
    const copy = new CopyObjectCommand({
      Bucket: bucket,
      Key: "rw/copy.txt",
      CopySource: `${bucket}/private.txt`,
    });
    await refusal(patS3, copy);
    expect(exists("rw/copy.txt")).toBe(false);
  });

  test("UploadPartCopy needs read on the source", async () => {
    const key = "rw/part-copy.bin";
    const { UploadId } = await patS3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const copy = (source: string) =>
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: 1,
        CopySource: `${bucket}/${source}`,
      });
    await refusal(patS3, copy("private.txt"));
    expect(await status(patS3, copy("group.txt"))).toBe(200);
  });
});

describe("writes", () => {
  test("PUT into a read-only directory is refused and creates nothing", async () => {
    const message = await refusal(patS3, put("ro/new.txt"));
    expect(message).toContain(`write and search (wx) permission on directory '${bucket}/ro'`);
    await refusal(patS3, put("ro/sub/deeper/new.txt"));
    expect(exists("ro/new.txt")).toBe(false);
    expect(exists("ro/sub")).toBe(false);
    expect(await status(unmappedS3, put("ro/by-unmapped.txt"))).toBe(200);
  });

  test("PUT where the directories are writable works and creates them", async () => {
    expect(await status(patS3, put("rw/sub/new.txt"))).toBe(200);
    expect(exists("rw/sub/new.txt")).toBe(true);
  });

  test("CopyObject and CompleteMultipartUpload into a read-only directory are refused", async () => {
    await refusal(
      patS3,
      new CopyObjectCommand({ Bucket: bucket, Key: "ro/copy.txt", CopySource: `${bucket}/group.txt` }),
    );
    const key = "ro/mp.bin";
    const { UploadId } = await patS3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await patS3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: "part" }),
    );
    await refusal(
      patS3,
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(exists("ro/copy.txt")).toBe(false);
    expect(exists("ro/mp.bin")).toBe(false);
  });

  test("DeleteObject needs write on the directory", async () => {
    make(server, "ro/victim.txt", pat.uid, pat.gid, 0o666);
    await refusal(patS3, del("ro/victim.txt"));
    expect(exists("ro/victim.txt")).toBe(true);
    expect(await status(patS3, del("ro/absent.txt"))).toBe(204);
  });

  test("a sticky directory: only the file's owner (or the directory's) replaces or deletes it", async () => {
    const message = await refusal(patS3, del("tmp/mals.txt"));
    expect(message).toContain("sticky");
    await refusal(patS3, put("tmp/mals.txt"));
    expect(await status(patS3, put("tmp/pats.txt"))).toBe(200);
    expect(await status(patS3, put("tmp/pats.txt"))).toBe(200);
    expect(await status(malS3, del("tmp/mals.txt"))).toBe(204);
    expect(exists("tmp/mals.txt")).toBe(false);
  });
});

describe("listing", () => {
  const list = async (client: S3Client, delimiter?: string) => {
    const out = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "list/", Delimiter: delimiter }),
    );
    return {
      keys: (out.Contents ?? []).map((o) => o.Key),
      prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix),
    };
  };

  test("directories the uid may not read or search are left out, without an error", async () => {
    expect((await list(patS3)).keys).toEqual(["list/open/a.txt", "list/top.txt"]);
    expect(await list(patS3, "/")).toEqual({ keys: ["list/top.txt"], prefixes: ["list/open/"] });
    expect((await list(unmappedS3)).keys).toEqual([
      "list/closed/b.txt",
      "list/noexec/c.txt",
      "list/open/a.txt",
      "list/top.txt",
    ]);
  });

  test("a prefix below an unsearchable directory lists nothing", async () => {
    const out = await patS3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "locked/" }));
    expect(out.KeyCount).toBe(0);
  });
});

describe("anonymous requests", () => {
  test("are judged as the anonymous uid (65534 by default)", async () => {
    await allowAnyone(root, bucket, "s3:GetObject", `${bucket}/*`);
    const anonymous = await fetch(`${server.endpoint}/${bucket}/private.txt`);
    expect(anonymous.status).toBe(403);
    make(server, "public.txt", 0, 0, 0o644);
    expect((await fetch(`${server.endpoint}/${bucket}/public.txt`)).status).toBe(200);
  });
});

describe("with the option off", () => {
  test("a mapped user reads a 0600 file of another uid as before", async () => {
    await off.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const client = await userClient(off.server, "pat", ...mapping(pat));
    const path = `${off.server.root}/${bucket}/private.txt`;
    writeFileSync(path, "secret");
    chownSync(path, mal.uid, mal.gid);
    chmodSync(path, 0o600);
    expect(await status(client, get("private.txt"))).toBe(200);
  });
});
