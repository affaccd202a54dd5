/**
 * What POSIX users can do to locked versions (docs/threat-model.md, "Locked objects"). The
 * tests run as root, with CAP_LINUX_IMMUTABLE, on a filesystem with the immutable flag (ext4 or
 * tmpfs); another user's view goes through setpriv (test/helpers/unprivileged.ts).
 */
import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { FS_IMMUTABLE_FL, getInodeFlags } from "../../src/runtime/inode-flags.ts";
import {
  createPosixStore,
  type PosixStore,
  type Retention,
  type StorageError,
} from "../../src/storage/index.ts";
import { asUser, ensureTestUser } from "../helpers/unprivileged.ts";
import { bucketState } from "../helpers/util.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) {
    Bun.spawnSync(["chattr", "-R", "-i", r], { stderr: "ignore" });
    fs.rmSync(r, { recursive: true, force: true });
  }
});

const DAY = 86_400_000;
const retention = (): Retention => ({ mode: "COMPLIANCE", until: new Date(Date.now() + DAY) });

async function makeStore(kind: "xattr" | "file"): Promise<PosixStore> {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-lockfs-`);
  roots.push(root);
  const store = await createPosixStore({ root, fsync: false, metadataStore: kind });
  await store.createBucket("bkt", { objectLock: true });
  // Another user may enter the root and write the bucket directory (a bucket's POSIX owner).
  fs.chmodSync(root, 0o755);
  fs.chmodSync(`${root}/bkt`, 0o777);
  return store;
}

const put = (s: PosixStore, key: string, data: string | Uint8Array, locked = true) =>
  s.putObject({
    bucket: "bkt",
    key,
    body: new Blob([data as BlobPart]).stream(),
    attributes: { userMetadata: {} },
    verify: {},
    lock: locked ? { retention: retention() } : undefined,
  });

async function read(s: PosixStore, key: string, versionId?: string): Promise<string> {
  const o = await s.openObject("bkt", key, undefined, versionId);
  return new Response(o.stream(0, o.info.size - 1)).text();
}

function immutable(path: string): boolean {
  const fd = fs.openSync(path, "r");
  try {
    return (getInodeFlags(fd) & FS_IMMUTABLE_FL) !== 0;
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs a shell command as the unprivileged test user; true when it succeeded. */
function asTestUser(script: string): boolean {
  const r = Bun.spawnSync([...asUser(ensureTestUser()), "sh", "-c", script], {
    stdout: "pipe",
    stderr: "pipe",
  });
  return r.exitCode === 0;
}

const versions = (s: PosixStore) =>
  s.listObjectVersions({
    bucket: "bkt",
    prefix: "",
    delimiter: "",
    keyMarker: "",
    versionIdMarker: "",
    maxKeys: 100,
  });

describe.each(["xattr", "file"] as const)("locked current versions through POSIX, %s metadata", (kind) => {
  test("a locked current file is the server's, 0444, immutable, and linked in the versions store", async () => {
    const s = await makeStore(kind);
    const v = (await put(s, "a/k", "locked")).versionId!;
    const path = `${s.root}/bkt/a/k`;
    const st = fs.statSync(path);
    expect(st.uid).toBe(process.geteuid!());
    expect(st.mode & 0o7777).toBe(0o444);
    expect(immutable(path)).toBe(true);
    const link = bucketState(s.root, "bkt", "versions", "d", "a", "k", "k", `${v}.v`);
    expect(fs.statSync(link).ino).toBe(st.ino);
    // The link is no noncurrent version while the file is current.
    expect((await versions(s)).versions.map((x) => [x.versionId, x.isLatest])).toEqual([[v, true]]);
    // An unlocked version in the same bucket is an ordinary file.
    await put(s, "plain", "p", false);
    expect(immutable(`${s.root}/bkt/plain`)).toBe(false);
    expect(fs.statSync(`${s.root}/bkt/plain`).mode & 0o222).not.toBe(0);
  });

  test("no one can write, rename or unlink it while immutable, root included; another user cannot chmod it", async () => {
    const s = await makeStore(kind);
    await put(s, "k", "locked");
    const path = `${s.root}/bkt/k`;
    expect(() => fs.writeFileSync(path, "changed")).toThrow(/EPERM/);
    expect(() => fs.unlinkSync(path)).toThrow(/EPERM/);
    expect(() => fs.renameSync(path, `${s.root}/bkt/moved`)).toThrow(/EPERM/);
    expect(asTestUser(`echo changed > '${path}'`)).toBe(false);
    expect(asTestUser(`rm -f '${path}'`)).toBe(false);
    expect(asTestUser(`mv -f '${path}' '${s.root}/bkt/moved'`)).toBe(false);
    expect(asTestUser(`chmod 666 '${path}'`)).toBe(false);
    expect(asTestUser(`cat '${s.root}/.s3dir/buckets/bkt/versions/k/k/'*`)).toBe(false);
    expect(await read(s, "k")).toBe("locked");
    expect(fs.readFileSync(path, "utf8")).toBe("locked");
  });

  test("without the immutable flag: 0444 and the server's owner keep other users from the bytes", async () => {
    const s = await makeStore(kind);
    await put(s, "k", "locked");
    const path = `${s.root}/bkt/k`;
    expect(Bun.spawnSync(["chattr", "-i", path]).exitCode).toBe(0); // a filesystem without the flag
    expect(asTestUser(`echo changed > '${path}'`)).toBe(false);
    expect(asTestUser(`chmod 666 '${path}'`)).toBe(false);
    expect(fs.readFileSync(path, "utf8")).toBe("locked");
  });

  test("a locked file unlinked through POSIX stays readable by id and listed; a file put in its place is a new version", async () => {
    const s = await makeStore(kind);
    const v = (await put(s, "k", "locked")).versionId!;
    const path = `${s.root}/bkt/k`;
    Bun.spawnSync(["chattr", "-i", path]);
    expect(asTestUser(`rm -f '${path}'`)).toBe(true); // the directory is theirs to write
    expect(fs.existsSync(path)).toBe(false);
    const missing = await (s.headObject("bkt", "k").catch((e) => e) as Promise<StorageError>);
    expect(missing.code).toBe("NoSuchKey");
    expect(await read(s, "k", v)).toBe("locked");
    expect((await versions(s)).versions.map((x) => [x.versionId, x.isLatest])).toEqual([[v, false]]);
    expect((await s.deleteObject("bkt", "k", v).catch((e) => e)).lock?.reason).toBe("ObjectLocked");
    expect((await s.getObjectLock("bkt", "k", v)).lock?.retention?.mode).toBe("COMPLIANCE");
    // A POSIX user writes a new file at the path: the current version, with an id of its own.
    expect(asTestUser(`echo posix > '${path}'`)).toBe(true);
    const current = await s.headObject("bkt", "k");
    expect(current.versionId).not.toBe(v);
    expect(await read(s, "k", v)).toBe("locked");
    const listed = (await versions(s)).versions.map((x) => [x.versionId, x.isLatest]);
    expect(listed).toEqual([
      [current.versionId!, true],
      [v, false],
    ]);
    // Deleting the POSIX version by id leaves the locked one in the store.
    await s.deleteObject("bkt", "k", current.versionId);
    expect(await read(s, "k", v)).toBe("locked");
  });

  test("locking a file another user wrote makes it the server's", async () => {
    const s = await makeStore(kind);
    const path = `${s.root}/bkt/theirs`;
    expect(asTestUser(`echo theirs > '${path}'`)).toBe(true);
    const user = ensureTestUser();
    expect(fs.statSync(path).uid).toBe(user.uid);
    const { versionId } = await s.putObjectLegalHold({ bucket: "bkt", key: "theirs", legalHold: true });
    const st = fs.statSync(path);
    expect(st.uid).toBe(process.geteuid!());
    expect(st.mode & 0o7777).toBe(0o444);
    expect(immutable(path)).toBe(true);
    expect(asTestUser(`echo changed > '${path}'`)).toBe(false);
    expect((await s.headObject("bkt", "theirs")).versionId).toBe(versionId);
    expect((await s.deleteObject("bkt", "theirs", versionId).catch((e) => e)).lock?.reason).toBe(
      "ObjectLocked",
    );
    // Lifting the hold: the server may replace the file again (the flag is cleared when it is).
    await s.putObjectLegalHold({ bucket: "bkt", key: "theirs", legalHold: false });
    await put(s, "theirs", "newer", false);
    expect(await read(s, "theirs")).toBe("newer");
    expect(await s.deleteObject("bkt", "theirs", versionId)).toEqual({ versionId, deleteMarker: false });
  });

  test("a large locked object is served from its link in the versions store", async () => {
    const s = await makeStore(kind);
    const big = new Uint8Array(3 << 20).map((_, i) => i % 251);
    const v = (await put(s, "big", big)).versionId!;
    const o = await s.openObject("bkt", "big");
    const part = o.stream(1000, 1999);
    expect(part).toBeInstanceOf(Blob);
    expect(new Uint8Array(await new Response(part).arrayBuffer())).toEqual(big.subarray(1000, 2000));
    o.close();
    expect(fs.existsSync(bucketState(s.root, "bkt", "versions", "k", "big", `${v}.v`))).toBe(true);
  });
});
