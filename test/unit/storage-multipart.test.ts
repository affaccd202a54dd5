import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { StorageError } from "../../src/storage/errors.ts";
import { assembleParts } from "../../src/storage/multipart/assemble.ts";
import { COMPLETED_KEEP_MS } from "../../src/storage/multipart/completed.ts";
import { STALE_CLAIM_MS, sweepUploads } from "../../src/storage/multipart/expiry.ts";
import { Uploads } from "../../src/storage/multipart/uploads.ts";
import { createPosixStore, type PosixStore } from "../../src/storage/posix-store.ts";
import { code } from "../helpers/storage-error-code.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const MiB = 1024 * 1024;

async function newStore(metadataStore: "xattr" | "file"): Promise<PosixStore> {
  const root = fs.mkdtempSync(join(os.tmpdir(), "s3dir-mpu-unit-"));
  roots.push(root);
  const store = await createPosixStore({ root, fsync: false, metadataStore, cleanStaleTemps: false });
  await store.createBucket("bkt");
  return store;
}

function fill(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed * 13) & 0xff;
  return out;
}

async function uploadParts(store: PosixStore, key: string, data: Uint8Array[]) {
  const { uploadId } = await store.multipart.create({ bucket: "bkt", key, attributes: { userMetadata: {} } });
  const parts = [];
  for (const [i, d] of data.entries()) {
    const p = await store.multipart.uploadPart({
      bucket: "bkt",
      key,
      uploadId,
      partNumber: i + 1,
      body: new Blob([d as BlobPart]).stream(),
      verify: { expectedSize: d.length },
    });
    parts.push({ partNumber: p.partNumber, etag: p.etag, checksums: {} });
  }
  return { uploadId, parts };
}

async function readAll(store: PosixStore, key: string): Promise<Buffer> {
  const opened = await store.openObject("bkt", key);
  const body = opened.stream(0, opened.info.size - 1);
  return Buffer.from(await new Response(body as BodyInit).arrayBuffer());
}

for (const kind of ["xattr", "file"] as const) {
  describe(`multipart storage (${kind} metadata)`, () => {
    test("complete assembles the parts; the upload and its part records are gone afterwards", async () => {
      const store = await newStore(kind);
      const data = [fill(5 * MiB, 1), fill(1234, 2)];
      const { uploadId, parts } = await uploadParts(store, "k/obj", data);
      const done = await store.multipart.complete({ bucket: "bkt", key: "k/obj", uploadId, parts });
      expect(done.partsCount).toBe(2);
      expect(Buffer.compare(await readAll(store, "k/obj"), Buffer.concat(data))).toBe(0);
      const info = await store.headObject("bkt", "k/obj");
      expect(info.parts).toEqual({
        sizes: [
          [5 * MiB, 1],
          [1234, 1],
        ],
      });
      const reserved = join(store.root, ".s3dir", "buckets", "bkt");
      expect(fs.readdirSync(join(reserved, "uploads"))).toEqual([]);
      expect(fs.readdirSync(join(reserved, "completing"))).toEqual([]);
      if (kind === "file") {
        // Only the object's own sidecar record remains.
        const records = fs
          .readdirSync(join(reserved, "meta"), { recursive: true, withFileTypes: true })
          .filter((d) => d.isFile());
        expect(records.length).toBe(1);
      }
    });

    test("concurrent completes: one assembles; the rest get NoSuchUpload, or its result once it is done", async () => {
      const store = await newStore(kind);
      const { uploadId, parts } = await uploadParts(store, "race", [fill(5 * MiB, 3), fill(10, 4)]);
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, () =>
          store.multipart.complete({ bucket: "bkt", key: "race", uploadId, parts }).then(
            (r) => r.etag,
            (e: unknown) => (e instanceof StorageError ? e.code : String(e)),
          ),
        ),
      );
      const etags = new Set(outcomes.filter((o) => o !== "NoSuchUpload"));
      expect(etags.size).toBe(1);
      expect([...etags][0]).toMatch(/^[0-9a-f]{32}-2$/);
    });

    test("a failed validation puts the claim back; a re-sent part replaces the old one", async () => {
      const store = await newStore(kind);
      const { uploadId, parts } = await uploadParts(store, "retry", [fill(MiB, 5), fill(MiB, 6)]);
      expect(await code(store.multipart.complete({ bucket: "bkt", key: "retry", uploadId, parts }))).toBe(
        "EntityTooSmall",
      );
      const bigger = fill(5 * MiB, 7);
      const p1 = await store.multipart.uploadPart({
        bucket: "bkt",
        key: "retry",
        uploadId,
        partNumber: 1,
        body: new Blob([bigger as BlobPart]).stream(),
        verify: { expectedSize: bigger.length },
      });
      const stale = await code(store.multipart.complete({ bucket: "bkt", key: "retry", uploadId, parts }));
      expect(stale).toBe("InvalidPart");
      parts[0] = { partNumber: 1, etag: p1.etag, checksums: {} };
      await store.multipart.complete({ bucket: "bkt", key: "retry", uploadId, parts });
      expect(Buffer.compare(await readAll(store, "retry"), Buffer.concat([bigger, fill(MiB, 6)]))).toBe(0);
    });
  });
}

describe("assembly and expiry", () => {
  test("the read/write fallback produces the same bytes as copy_file_range", async () => {
    const store = await newStore("xattr");
    const dir = fs.mkdtempSync(join(os.tmpdir(), "s3dir-assemble-"));
    roots.push(dir);
    const data = [fill(3 * MiB + 5, 8), fill(0, 9), fill(4 * MiB, 10)];
    const fds = data.map((d, i) => {
      fs.writeFileSync(join(dir, `p${i}`), d);
      return fs.openSync(join(dir, `p${i}`), "r");
    });
    const parts = fds.map((fd, i) => ({ fd, size: data[i]!.length }));
    for (const kernel of [true, false]) {
      const out = await assembleParts(store.context.ops, store.context.layout, "bkt", parts, kernel);
      expect(out.method).toBe(kernel ? "copy_file_range" : "read/write");
      fs.closeSync(out.fd);
      expect(Buffer.compare(fs.readFileSync(out.path), Buffer.concat(data))).toBe(0);
      fs.unlinkSync(out.path);
    }
    for (const fd of fds) fs.closeSync(fd);
  });

  test("the sweep removes expired uploads and stale claims, and keeps young ones", async () => {
    const store = await newStore("xattr");
    const uploads = new Uploads(store.context);
    const old = await uploadParts(store, "old", [fill(100, 11)]);
    await Bun.sleep(20);
    const young = await uploadParts(store, "young", [fill(100, 12)]);
    const claimed = await uploadParts(store, "claimed", [fill(100, 13)]);
    // A claim as older versions made it: no claimant in its name, so only its age can tell.
    const legacyClaim = `${uploads.paths.completingDir("bkt")}/${claimed.uploadId}`;
    await uploads.claim("bkt", claimed.uploadId, legacyClaim);
    const idTime = (id: string) => Number.parseInt(id.slice(0, 12), 16);
    const now = idTime(young.uploadId) + 1000;
    const maxAge = now - idTime(old.uploadId) - 1;
    const first = await sweepUploads(store.context, uploads, maxAge, now);
    expect(first).toEqual({ expired: 1, leftovers: 0 });
    const left = await store.multipart.listUploads({
      bucket: "bkt",
      prefix: "",
      delimiter: "",
      keyMarker: "",
      uploadIdMarker: "",
      maxUploads: 10,
    });
    expect(left.uploads.map((u) => u.key)).toEqual(["young"]);
    const later = await sweepUploads(
      store.context,
      uploads,
      10 * STALE_CLAIM_MS,
      Date.now() + STALE_CLAIM_MS + 60_000,
    );
    expect(later.leftovers).toBe(1);
    expect(fs.readdirSync(uploads.paths.completingDir("bkt"))).toEqual([]);
    expect(fs.readdirSync(uploads.paths.trash("bkt"))).toEqual([]);
  });

  test("a completed upload is remembered for a repeated Complete until the sweep ages it out", async () => {
    const store = await newStore("xattr");
    const uploads = new Uploads(store.context);
    const { uploadId, parts } = await uploadParts(store, "done", [fill(100, 21)]);
    const input = { bucket: "bkt", key: "done", uploadId, parts, conditions: {} };
    const first = await store.multipart.complete(input);
    const again = await store.multipart.complete(input);
    expect([again.etag, again.partsCount]).toEqual([first.etag, 1]);
    expect(await code(store.multipart.complete({ ...input, key: "other" }))).toBe("NoSuchUpload");
    const completed = store.context.layout.reserved("bkt", "completed");
    expect(fs.readdirSync(completed)).toEqual([uploadId]);
    await sweepUploads(store.context, uploads, 10 * COMPLETED_KEEP_MS, Date.now() + 60_000);
    expect(fs.readdirSync(completed)).toEqual([uploadId]);
    await sweepUploads(
      store.context,
      uploads,
      10 * COMPLETED_KEEP_MS,
      Date.now() + COMPLETED_KEEP_MS + 60_000,
    );
    expect(fs.readdirSync(completed)).toEqual([]);
    expect(await code(store.multipart.complete(input))).toBe("NoSuchUpload");
  });
});
