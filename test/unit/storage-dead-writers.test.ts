import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { tryLockExclusive } from "../../src/runtime/file-lock.ts";
import { writerId, writerOf } from "../../src/storage/layout/temp-names.ts";
import { Uploads } from "../../src/storage/multipart/uploads.ts";
import { createPosixStore, type PosixStore } from "../../src/storage/posix-store.ts";
import { sweepDeadWriters } from "../../src/storage/sweeps/dead-writers.ts";
import { WriterLiveness } from "../../src/storage/sweeps/writer-lease.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function newStore(): Promise<PosixStore> {
  const root = fs.mkdtempSync(join(os.tmpdir(), "s3dir-dead-writers-"));
  roots.push(root);
  const store = await createPosixStore({ root, fsync: false, cleanStaleTemps: false });
  await store.createBucket("bkt");
  return store;
}

const leases = (s: PosixStore) => join(s.context.layout.systemDir(), "writers");

/** A lease of another process: made and locked on its own descriptor (closing it = that process dies). */
function otherWriter(s: PosixStore, id: string): number {
  const fd = fs.openSync(join(leases(s), id), "wx+", 0o600);
  expect(tryLockExclusive(fd)).toBe(true);
  return fd;
}

function tempOf(s: PosixStore, id: string, n: number): string {
  const dir = s.context.layout.reserved("bkt", "tmp");
  fs.mkdirSync(dir, { recursive: true });
  const path = join(dir, `put-${id}-${(1000 + n).toString(36)}-${String(n).padStart(16, "0")}`);
  fs.writeFileSync(path, "partial");
  return path;
}

describe("writer leases", () => {
  test("a store holds a lease in its name; temp names carry it", async () => {
    const s = await newStore();
    expect(fs.readdirSync(leases(s))).toEqual([writerId]);
    const owner = JSON.parse(fs.readFileSync(join(leases(s), writerId), "utf8"));
    expect(owner.pid).toBe(process.pid);
    expect(writerOf(`put-${writerId}-abc-0123456789abcdef`)).toBe(writerId);
    expect(writerOf("put-abc-0123456789abcdef")).toBeUndefined();
  });

  test("a writer is alive while its lease is locked, dead once unlocked or gone", async () => {
    const s = await newStore();
    const id = "0123456789abcdef";
    const fd = otherWriter(s, id);
    expect(await new WriterLiveness(s.context.ops, s.context.layout).alive(id)).toBe(true);
    expect(await new WriterLiveness(s.context.ops, s.context.layout).alive(writerId)).toBe(true);
    fs.closeSync(fd);
    expect(await new WriterLiveness(s.context.ops, s.context.layout).alive(id)).toBe(false);
    expect(fs.existsSync(join(leases(s), id))).toBe(false);
    expect(await new WriterLiveness(s.context.ops, s.context.layout).alive("zzzzzzzzzzzzzzzz")).toBe(false);
  });
});

describe("the dead-writer sweep", () => {
  test("removes dead writers' temps and rolls back their claims; live ones stay", async () => {
    const s = await newStore();
    const uploads = new Uploads(s.context);
    const live = "livelivelive0001";
    const dead = "deaddeaddead0001";
    const liveFd = otherWriter(s, live);
    fs.closeSync(otherWriter(s, dead));
    const keep = [tempOf(s, live, 1), tempOf(s, writerId, 2)];
    const gone = tempOf(s, dead, 3);
    const create = (key: string) =>
      s.multipart.create({ bucket: "bkt", key, attributes: { userMetadata: {} } });
    const deadUpload = await create("dead-claim");
    const liveUpload = await create("live-claim");
    await uploads.claim("bkt", deadUpload.uploadId, uploads.paths.claim("bkt", deadUpload.uploadId, dead));
    const liveClaim = uploads.paths.claim("bkt", liveUpload.uploadId, live);
    await uploads.claim("bkt", liveUpload.uploadId, liveClaim);

    const result = await sweepDeadWriters(s.context, uploads);
    expect(result).toEqual({ temps: 1, claims: 1, leases: 1, links: 0 });
    for (const path of keep) expect(fs.existsSync(path)).toBe(true);
    expect(fs.existsSync(gone)).toBe(false);
    expect(fs.readdirSync(uploads.paths.completingDir("bkt"))).toEqual([liveClaim.split("/").at(-1)!]);
    expect((await uploads.read("bkt", deadUpload.uploadId)).key).toBe("dead-claim");
    expect(fs.readdirSync(leases(s)).sort()).toEqual([live, writerId].sort());
    fs.closeSync(liveFd);
  });
});

describe("serving links", () => {
  test("links a dead host left behind (older than a minute) are swept; fresh ones stay", async () => {
    const s = await newStore();
    const dir = s.context.layout.reserved("bkt", "serve");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(dir, "old"), "bytes of a deleted object");
    fs.writeFileSync(join(dir, "fresh"), "being sent");
    const result = await sweepDeadWriters(s.context, new Uploads(s.context), Date.now() + 61_000);
    expect(result.links).toBe(2);
    fs.writeFileSync(join(dir, "fresh"), "being sent");
    expect((await sweepDeadWriters(s.context, new Uploads(s.context))).links).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(["fresh"]);
  });
});
