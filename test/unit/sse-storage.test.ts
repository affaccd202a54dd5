import { afterAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { CHUNK_SIZE, sealedSize } from "../../src/sse/chunks.ts";
import {
  createPosixStore,
  type EncryptionRequest,
  encryptionOf,
  type PosixStore,
  type ReadKeys,
} from "../../src/storage/index.ts";
import { code } from "../helpers/storage-error-code.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function makeStore(kind: "xattr" | "file"): Promise<PosixStore> {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-sse-`);
  roots.push(root);
  const store = await createPosixStore({ root, fsync: false, metadataStore: kind });
  await store.createBucket("bkt");
  return store;
}

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

function put(s: PosixStore, key: string, data: Uint8Array, encryption?: EncryptionRequest) {
  return s.putObject({
    bucket: "bkt",
    key,
    body: new Blob([data as BlobPart]).stream(),
    attributes: { userMetadata: {} },
    verify: { expectedSize: data.length },
    encryption,
  });
}

async function read(s: PosixStore, key: string, start: number, end: number, keys?: ReadKeys) {
  const o = await s.openObject("bkt", key, keys);
  const body = o.prepare ? await o.prepare(start, end) : o.stream(start, end);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** Puts back an exact (ns) mtime, as a careful tamperer would. */
function keepMtime(path: string, mtimeNs: bigint) {
  const stamp = `@${mtimeNs / 1_000_000_000n}.${String(mtimeNs % 1_000_000_000n).padStart(9, "0")}`;
  expect(Bun.spawnSync(["touch", "-m", "-d", stamp, path]).exitCode).toBe(0);
}

for (const kind of ["xattr", "file"] as const) {
  describe(`encrypted objects (${kind} records)`, () => {
    test("SSE-S3: ciphertext on disk, plaintext size and MD5 ETag, ranges across chunks", async () => {
      const s = await makeStore(kind);
      const data = new Uint8Array(randomBytes(3 * CHUNK_SIZE + 1234));
      const r = await put(s, "a.bin", data, { mode: "S3" });
      expect(r.etag).toBe(md5(data));
      expect(r.size).toBe(data.length);
      const onDisk = fs.readFileSync(`${s.root}/bkt/a.bin`);
      expect(onDisk.length).toBe(sealedSize(data.length));
      expect(onDisk.subarray(0, 64).equals(Buffer.from(data.subarray(0, 64)))).toBe(false);
      const info = await s.headObject("bkt", "a.bin");
      expect(info.size).toBe(data.length);
      expect(info.encryption?.m).toBe("S3");
      expect(await read(s, "a.bin", 0, data.length - 1)).toEqual(data);
      for (const [a, b] of [
        [CHUNK_SIZE - 10, CHUNK_SIZE + 10],
        [5, 5],
        [2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 1233],
        [100, 10 * CHUNK_SIZE],
      ] as const) {
        expect(await read(s, "a.bin", a, b)).toEqual(data.subarray(a, Math.min(b, data.length - 1) + 1));
      }
      const listed = await s.list({ bucket: "bkt", prefix: "", delimiter: "", after: "", maxKeys: 10 });
      expect(listed.objects[0]?.size).toBe(data.length);
    });

    test("encryptionOf names what a write, a head and a plain object carry", async () => {
      const s = await makeStore(kind);
      const key = new Uint8Array(randomBytes(32));
      const plain = await put(s, "plain.txt", new Uint8Array([1]));
      const sseS3 = await put(s, "s3.bin", new Uint8Array([2]), { mode: "S3" });
      const sseC = await put(s, "c.bin", new Uint8Array([3]), { mode: "C", customerKey: key });
      expect(encryptionOf(plain)).toBeUndefined();
      expect(encryptionOf(sseS3)).toEqual({ kind: "SSE-S3" });
      expect(encryptionOf(sseC)).toEqual({ kind: "SSE-C" });
      expect(encryptionOf(await s.headObject("bkt", "plain.txt"))).toBeUndefined();
      expect(encryptionOf(await s.headObject("bkt", "s3.bin"))).toEqual({ kind: "SSE-S3" });
      expect(encryptionOf(await s.headObject("bkt", "c.bin", { customerKey: key }))).toEqual({
        kind: "SSE-C",
      });
    });

    test("empty and exactly one-chunk objects", async () => {
      const s = await makeStore(kind);
      for (const n of [0, CHUNK_SIZE, 2 * CHUNK_SIZE]) {
        const data = new Uint8Array(randomBytes(n));
        await put(s, `e${n}`, data, { mode: "S3" });
        expect((await s.headObject("bkt", `e${n}`)).size).toBe(n);
        if (n > 0) expect(await read(s, `e${n}`, 0, n - 1)).toEqual(data);
      }
    });

    test("large objects stream and detect a flipped byte", async () => {
      const s = await makeStore(kind);
      const data = new Uint8Array(randomBytes(9 << 20));
      await put(s, "big", data, { mode: "S3" });
      expect(await read(s, "big", 0, data.length - 1)).toEqual(data);
      const path = `${s.root}/bkt/big`;
      const st = fs.statSync(path, { bigint: true });
      const fd = fs.openSync(path, "r+");
      const at = 5 << 20;
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, at);
      b[0]! ^= 0x40;
      fs.writeSync(fd, b, 0, 1, at);
      fs.closeSync(fd);
      keepMtime(path, st.mtimeNs);
      // The bytes before the altered chunk are fine; a read that covers it fails.
      expect(await read(s, "big", 0, 1 << 20)).toEqual(data.subarray(0, (1 << 20) + 1));
      expect(await code(read(s, "big", at - 10, at + 10))).toBe("SseUnreadable");
      await expect(read(s, "big", 0, data.length - 1)).rejects.toThrow();
    });

    test("a file changed through POSIX is unreadable, not served raw", async () => {
      const s = await makeStore(kind);
      await put(s, "c", new Uint8Array(randomBytes(1000)), { mode: "S3" });
      fs.appendFileSync(`${s.root}/bkt/c`, "x");
      expect(await code(s.headObject("bkt", "c"))).toBe("SseUnreadable");
      expect(await code(s.openObject("bkt", "c"))).toBe("SseUnreadable");
    });

    test("SSE-C: needs the same key; opaque ETag", async () => {
      const s = await makeStore(kind);
      const key = new Uint8Array(randomBytes(32));
      const data = new Uint8Array(randomBytes(200_000));
      const r = await put(s, "c.bin", data, { mode: "C", customerKey: key });
      expect(r.etag).not.toBe(md5(data));
      expect(await read(s, "c.bin", 0, data.length - 1, { customerKey: key })).toEqual(data);
      expect(await code(s.openObject("bkt", "c.bin"))).toBe("InvalidRequest");
      expect(await code(s.headObject("bkt", "c.bin"))).toBe("InvalidRequest");
      const wrong = { customerKey: new Uint8Array(randomBytes(32)) };
      expect(await code(s.openObject("bkt", "c.bin", wrong))).toBe("SseKeyMismatch");
      expect(await code(s.headObject("bkt", "c.bin", wrong))).toBe("SseKeyMismatch");
      await put(s, "plain", data);
      expect(await code(s.openObject("bkt", "plain", { customerKey: key }))).toBe("InvalidRequest");
    });
  });
}
