/** Running the server: credentials, access log, graceful shutdown, the metadata store fallback. */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { lGetXattr } from "../../src/runtime/xattr.ts";
import {
  aws,
  bytes,
  md5Hex,
  objectPath,
  presignUrl,
  s3Client,
  signedFetch,
  startHost,
  startServer,
  testCredentials,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";

setDefaultTimeout(60_000);

describe("root credential", () => {
  test("generated on the first start, stored sealed with mode 0600, printed once, reused on the next start", async () => {
    const root = mkdtempSync(join(tmpdir(), "s3dir-cred-"));
    try {
      const noEnv = { S3DIR_ROOT_ACCESS_KEY: "", S3DIR_ROOT_SECRET_KEY: "" };
      const first = await startServer({ root, env: noEnv });
      const file = join(root, ".s3dir", "root-credential.json");
      const printed = first.logs().join("\n");
      const stored = {
        accessKeyId: /AWS_ACCESS_KEY_ID=(\S+)/.exec(printed)![1]!,
        secretAccessKey: /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(printed)![1]!,
      };
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(root, ".s3dir")).mode & 0o777).toBe(0o700);
      const onDisk = readFileSync(file, "utf8");
      expect(onDisk).toContain(stored.accessKeyId);
      expect(onDisk).not.toContain(stored.secretAccessKey);
      const client = new S3Client({
        endpoint: first.endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey },
      });
      await client.send(new CreateBucketCommand({ Bucket: "generated-cred" }));
      await first.stop();

      const second = await startServer({ root, env: noEnv });
      expect(second.logs().join("\n")).not.toContain(stored.secretAccessKey);
      const listed = await second_list(second.endpoint, stored);
      expect(listed).toBe(200);
      await second.stop();
      client.destroy();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

test("a root credential stored in plain text by an older version still works and is sealed on start", async () => {
  const root = mkdtempSync(join(tmpdir(), "s3dir-cred-old-"));
  try {
    const old = {
      accessKeyId: "S3DOLDPLAINTEXTKEY01",
      secretAccessKey: "old-plain-secret-0123456789abcdefghij",
    };
    const dir = join(root, ".s3dir");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, "root-credential.json"), JSON.stringify(old), { mode: 0o600 });
    const server = await startHost({ root, env: { S3DIR_ROOT_ACCESS_KEY: "", S3DIR_ROOT_SECRET_KEY: "" } });
    try {
      expect(server.logs().join("\n")).not.toContain(old.secretAccessKey);
      const onDisk = readFileSync(join(dir, "root-credential.json"), "utf8");
      expect(onDisk).toContain(old.accessKeyId);
      expect(onDisk).not.toContain(old.secretAccessKey);
      const client = new S3Client({
        endpoint: server.endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: old,
      });
      await client.send(new CreateBucketCommand({ Bucket: "generated-cred" }));
      expect(await second_list(server.endpoint, old)).toBe(200);
      client.destroy();
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

async function second_list(
  endpoint: string,
  cred: { accessKeyId: string; secretAccessKey: string },
): Promise<number> {
  const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: cred });
  try {
    const out = await client.send(new ListObjectsV2Command({ Bucket: "generated-cred" }));
    return out.$metadata.httpStatusCode ?? 0;
  } finally {
    client.destroy();
  }
}

describe("access log", () => {
  test("one JSON line per request with the fields operators need, and never a secret", async () => {
    const server = await startHost();
    try {
      const s3 = s3Client(server);
      await s3.send(new CreateBucketCommand({ Bucket: "logged" }));
      await s3.send(new PutObjectCommand({ Bucket: "logged", Key: "k.txt", Body: "hello" }));
      const url = await presignUrl(server, objectPath("logged", "k.txt"));
      expect(await (await fetch(url)).text()).toBe("hello");
      await aws(server, ["s3", "ls", "s3://logged"]);
      // A wrong secret must not end up in the log either.
      const bad = await signedFetch(server, objectPath("logged", "k.txt"), {
        credentials: { accessKeyId: testCredentials.accessKeyId, secretAccessKey: "wrong-secret-value-xyz" },
      });
      expect(bad.status).toBe(403);
      s3.destroy();
      await Bun.sleep(100);
      const entries = server.accessLog().filter((e) => e.operation !== undefined);
      const put = entries.find((e) => e.operation === "PutObject");
      expect(put).toMatchObject({
        principal: "root",
        bucket: "logged",
        key: "k.txt",
        status: 200,
        bytesIn: 5,
      });
      for (const field of ["requestId", "durationMs", "bytesOut", "remoteIp", "time"])
        expect(put).toHaveProperty(field);
      expect(entries.some((e) => e.errorCode === "SignatureDoesNotMatch")).toBe(true);
      const all = server.logs().join("\n");
      expect(all).not.toContain(testCredentials.secretAccessKey);
      expect(all).not.toContain("wrong-secret-value-xyz");
      expect(all).not.toContain(new URL(url).searchParams.get("X-Amz-Signature")!);
    } finally {
      await server.stop();
    }
  });
});

describe("graceful shutdown", () => {
  test("SIGTERM lets an in-flight upload finish, then the server exits and refuses new connections", async () => {
    const server = await startServer();
    try {
      const s3 = s3Client(server);
      await s3.send(new CreateBucketCommand({ Bucket: "drain" }));
      s3.destroy();
      const body = bytes(4 * 1024 * 1024, 7);
      const url = await presignUrl(server, objectPath("drain", "slow.bin"), { method: "PUT" });
      // Send the body slowly so that SIGTERM arrives mid-upload.
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent >= body.byteLength) return controller.close();
          const piece = body.subarray(sent, sent + 256 * 1024);
          sent += piece.byteLength;
          await Bun.sleep(60);
          controller.enqueue(piece);
        },
      });
      const upload = fetch(url, {
        method: "PUT",
        body: stream,
        headers: { "content-length": String(body.byteLength) },
        duplex: "half",
      } as RequestInit);
      await Bun.sleep(300);
      const stopping = server.stop();
      const response = await upload;
      expect(response.status).toBe(200);
      await stopping;
      expect(response.headers.get("etag")).toBe(`"${md5Hex(body)}"`);
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(server.port, "127.0.0.1");
        socket.on("connect", () => {
          socket.destroy();
          resolve(false);
        });
        socket.on("error", () => resolve(true));
      });
      expect(refused).toBe(true);
      expect(server.logs().some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe("metadata store without extended attributes", () => {
  test("--metadata-store file keeps content headers, user metadata and ETags, and sees POSIX edits", async () => {
    const server = await startHost({ args: ["--metadata-store", "file"] });
    try {
      const s3 = s3Client(server);
      await s3.send(new CreateBucketCommand({ Bucket: "sidecar" }));
      const body = bytes(10_000, 3);
      await s3.send(
        new PutObjectCommand({
          Bucket: "sidecar",
          Key: "dir/obj.bin",
          Body: body,
          ContentType: "image/x-test",
          CacheControl: "max-age=60",
          Metadata: { color: "blue" },
        }),
      );
      const file = join(server.root, "sidecar", "dir", "obj.bin");
      expect(lGetXattr(file, "user.s3dir")).toBeUndefined();
      expect(readdirSync(bucketState(server.root, "sidecar", "meta")).length).toBeGreaterThan(0);
      const head = await s3.send(new HeadObjectCommand({ Bucket: "sidecar", Key: "dir/obj.bin" }));
      expect(head.ContentType).toBe("image/x-test");
      expect(head.CacheControl).toBe("max-age=60");
      expect(head.Metadata).toEqual({ color: "blue" });
      expect(head.ETag).toBe(`"${md5Hex(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: "sidecar", Key: "dir/obj.bin" }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(body))).toBe(true);

      writeFileSync(file, "edited through POSIX");
      const edited = await s3.send(new HeadObjectCommand({ Bucket: "sidecar", Key: "dir/obj.bin" }));
      expect(edited.ETag).toBe(`"${md5Hex("edited through POSIX")}"`);
      expect(edited.ContentLength).toBe(20);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: "sidecar" }));
      expect(listed.Contents?.map((c) => c.Key)).toEqual(["dir/obj.bin"]);
      expect(readdirSync(join(server.root, "sidecar")).sort()).toEqual(["dir"]);
      s3.destroy();
    } finally {
      await server.stop();
    }
  });
});
