/**
 * The Node twins in src/runtime/node/ against the Bun modules they stand in for: the same
 * digests, the same xattr bytes and the same flock locks, so Bun and Node hosts can share a root.
 * (koffi loads under Bun too, which lets both sides be checked in one process.)
 */
import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import * as bunCopy from "../../src/runtime/copy-file-range.ts";
import * as bunLock from "../../src/runtime/file-lock.ts";
import * as bunHash from "../../src/runtime/hasher.ts";
import * as nodeCopy from "../../src/runtime/node/copy-file-range.ts";
import * as nodeLock from "../../src/runtime/node/file-lock.ts";
import * as nodeHash from "../../src/runtime/node/hasher.ts";
import * as nodeLink from "../../src/runtime/node/serve-file-link.ts";
import * as nodeXattr from "../../src/runtime/node/xattr.ts";
import { buildNodeEntry } from "../../src/runtime/node-build.ts";
import * as bunXattr from "../../src/runtime/xattr.ts";

const dir = fs.mkdtempSync(join(os.tmpdir(), "s3dir-runtime-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31 + (i >> 9)) & 0xff);
const chunks = [data.subarray(0, 1000), data.subarray(1000, 65536 + 3), data.subarray(65536 + 3)];

describe("hasher", () => {
  for (const alg of ["md5", "sha1", "sha256"] as const) {
    test(`${alg}: Node and Bun give the same incremental digest`, () => {
      const a = bunHash.createHasher(alg);
      const b = nodeHash.createHasher(alg);
      for (const c of chunks) {
        a.update(c);
        b.update(c);
      }
      expect(Buffer.from(b.digest()).toString("hex")).toBe(Buffer.from(a.digest()).toString("hex"));
      const s = nodeHash.createHasher(alg);
      s.update("key/é");
      const t = bunHash.createHasher(alg);
      t.update("key/é");
      expect(s.digest("base64")).toBe(t.digest("base64"));
    });
  }

  test("crc32: Node and Bun give the same running CRC, for bytes and strings", () => {
    let a = 0;
    let b = 0;
    for (const c of chunks) {
      a = bunHash.crc32(c, a);
      b = nodeHash.crc32(c, b);
    }
    expect(b >>> 0).toBe(a >>> 0);
    expect(nodeHash.crc32("photos/2024/a.jpg") >>> 0).toBe(bunHash.crc32("photos/2024/a.jpg") >>> 0);
    expect(nodeHash.crc32("123456789") >>> 0).toBe(0xcbf43926);
  });
});

describe("xattr", () => {
  test("what one runtime writes the other reads, by descriptor and by path", () => {
    const path = join(dir, "x.bin");
    fs.writeFileSync(path, "x");
    const fd = fs.openSync(path, "r+");
    try {
      const value = new Uint8Array([0, 1, 2, 250, 255, 7]);
      bunXattr.fSetXattr(fd, "user.s3dir.t1", value);
      expect(nodeXattr.fGetXattr(fd, "user.s3dir.t1")).toEqual(value);
      expect(nodeXattr.lGetXattr(path, "user.s3dir.t1")).toEqual(value);
      nodeXattr.lSetXattr(path, "user.s3dir.t2", new TextEncoder().encode("from node"));
      expect(new TextDecoder().decode(bunXattr.fGetXattr(fd, "user.s3dir.t2"))).toBe("from node");
      nodeXattr.fRemoveXattr(fd, "user.s3dir.t1");
      expect(bunXattr.lGetXattr(path, "user.s3dir.t1")).toBeUndefined();
      expect(nodeXattr.fGetXattr(fd, "user.s3dir.none")).toBeUndefined();
      nodeXattr.lRemoveXattr(path, "user.s3dir.none");
    } finally {
      fs.closeSync(fd);
    }
  });

  test("errors carry Node's code, errno and syscall", () => {
    const missing = join(dir, "missing");
    let error: NodeJS.ErrnoException | undefined;
    try {
      nodeXattr.lGetXattr(missing, "user.s3dir");
    } catch (e) {
      error = e as NodeJS.ErrnoException;
    }
    expect(error?.code).toBe("ENOENT");
    expect(error?.errno).toBe(-2);
    expect(error?.syscall).toBe("lgetxattr");
    expect(error?.path).toBe(missing);
  });
});

describe("flock", () => {
  test("a lock taken on one runtime holds off the other", async () => {
    const path = join(dir, "lock");
    fs.writeFileSync(path, "");
    const a = fs.openSync(path, "r+");
    const b = fs.openSync(path, "r+");
    try {
      expect(bunLock.tryLockExclusive(a)).toBe(true);
      expect(nodeLock.tryLockExclusive(b)).toBe(false);
      expect(await nodeLock.lockExclusive(b, 30)).toBe(false);
      bunLock.unlock(a);
      expect(await nodeLock.lockExclusive(b, 1000)).toBe(true);
      expect(bunLock.tryLockExclusive(a)).toBe(false);
      nodeLock.unlock(b);
      expect(bunLock.tryLockExclusive(a)).toBe(true);
    } finally {
      fs.closeSync(a);
      fs.closeSync(b);
    }
  });
});

describe("copy_file_range and serving links", () => {
  test("copies a range in slices, like the Bun module", async () => {
    const src = join(dir, "src.bin");
    fs.writeFileSync(src, data);
    for (const [name, copy] of [
      ["node", nodeCopy.copyFileRange],
      ["bun", bunCopy.copyFileRange],
    ] as const) {
      const dest = join(dir, `dest-${name}.bin`);
      const inFd = fs.openSync(src, "r");
      const outFd = fs.openSync(dest, "w+");
      try {
        expect(await copy(inFd, 5, outFd, 0, data.length - 5, 1 << 20)).toBe("copied");
      } finally {
        fs.closeSync(inFd);
        fs.closeSync(outFd);
      }
      expect(Buffer.from(fs.readFileSync(dest)).equals(Buffer.from(data.subarray(5)))).toBe(true);
    }
  });

  test("links the open file and streams a slice of it", async () => {
    const src = join(dir, "served.bin");
    fs.writeFileSync(src, data);
    const fd = fs.openSync(src, "r");
    const link = join(dir, "served-link");
    nodeLink.linkOpenFile(fd, link);
    fs.closeSync(fd);
    fs.unlinkSync(src);
    const body = await new Response(nodeLink.servedSlice(link, 10, 2 * 1024 * 1024 + 9)).arrayBuffer();
    expect(Buffer.from(body).equals(Buffer.from(data.subarray(10, 2 * 1024 * 1024 + 10)))).toBe(true);
    expect(() => nodeLink.linkOpenFile(123456, join(dir, "nope"))).toThrow(/EBADF|ENOENT/);
  });
});

describe("node build", () => {
  test("bundles the Node twins and none of the Bun-only modules", async () => {
    const entry = await buildNodeEntry(join(dir, "node", "s3dir.mjs"));
    const text = fs.readFileSync(entry, "utf8");
    expect(text).not.toContain("bun:ffi");
    expect(text).not.toContain("Bun.serve(");
    expect(text).not.toContain("Bun.CryptoHasher");
    expect(text).toContain("@hono/node-server");
    expect(text).toContain("koffi");
  }, 30_000);
});
