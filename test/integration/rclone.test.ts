/**
 * rclone as its users drive it: sync a local tree up and check it, sync again, keep modification
 * times, copy and move server-side, list with hashes and --fast-list, remove buckets; and the
 * files are plain files under the root with the synced bytes.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { expectOk, md5Hex, sdkFailure } from "../helpers/clients.ts";
import {
  bigTreeFile,
  expectedBytes,
  readFromRoot,
  treeFiles,
  treeMtimeSeconds,
  writeTree,
} from "../helpers/local-tree.ts";
import { rclone } from "../helpers/rclone.ts";
import { defaultTestRuntime } from "../helpers/server.ts";
import { useHost } from "../helpers/use-host.ts";
import { bytes, uniqueBucket } from "../helpers/util.ts";

setDefaultTimeout(120_000);

const { server, s3, bucket } = useHost({ bucket: "rclone" });
let scratch = "";

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "rclone-test-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh local copy of the tree in scratch/NAME. */
function localTree(name: string, options: { big?: boolean } = {}) {
  const dir = join(scratch, name);
  const files = treeFiles(options);
  writeTree(dir, files);
  return { dir, files };
}

/** Uploads go multipart above 5 MiB, in 5 MiB parts (rclone's smallest). */
const multipart = ["--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M"];

interface ListedEntry {
  Path: string;
  Size: number;
  ModTime: string;
  IsDir: boolean;
  Hashes?: { md5?: string };
}

async function lsjson(...args: string[]): Promise<ListedEntry[]> {
  return expectOk(await rclone(server, "lsjson", "-R", ...args)) as ListedEntry[];
}

const filesOnly = (entries: ListedEntry[]) => entries.filter((e) => !e.IsDir);

describe("rclone sync and check", () => {
  test("a tree syncs up (the big file in parts), check finds 0 differences, the bytes land under the root", async () => {
    const { dir, files } = localTree("first", { big: true });
    const remote = `s3dir:${bucket}/first`;
    expectOk(await rclone(server, "sync", dir, remote, ...multipart));

    const check = await rclone(server, "check", dir, remote);
    expect(check.stderr).toContain("0 differences found");
    expect(check.stderr).toContain(`${files.length} matching files`);
    expect(check.code).toBe(0);

    const big = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `first/${bigTreeFile}` }));
    expect(big.ETag).toEndWith('-2"');
    expect(readFromRoot(server.root, bucket, "first", files)).toEqual(expectedBytes(files));
  });

  test("a second sync transfers nothing; a changed and a deleted file sync as such", async () => {
    const { dir, files } = localTree("again");
    const remote = `s3dir:${bucket}/again`;
    expectOk(await rclone(server, "sync", dir, remote));

    const second = await rclone(server, "sync", "-v", dir, remote);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("There was nothing to transfer");
    expect(second.stderr).not.toContain("Copied");

    writeFileSync(join(dir, "x+y.txt"), "plus, changed");
    utimesSync(join(dir, "x+y.txt"), treeMtimeSeconds + 60, treeMtimeSeconds + 60);
    unlinkSync(join(dir, "q&r.txt"));
    const third = await rclone(server, "sync", "-v", dir, remote);
    expect(third.code).toBe(0);
    expect(third.stderr).toContain("x+y.txt: Copied (replaced existing)");
    expect(third.stderr).toContain("q&r.txt: Deleted");

    expect((await rclone(server, "check", dir, remote)).stderr).toContain("0 differences found");
    const root = join(server.root, bucket, "again");
    expect(await Bun.file(join(root, "x+y.txt")).text()).toBe("plus, changed");
    expect(existsSync(join(root, "q&r.txt"))).toBe(false);
    const remaining = files.filter((f) => f.path !== "q&r.txt" && f.path !== "x+y.txt");
    expect(readFromRoot(server.root, bucket, "again", remaining)).toEqual(expectedBytes(remaining));
  });

  test("modification times survive to the nanosecond rclone keeps in X-Amz-Meta-Mtime", async () => {
    const { dir, files } = localTree("mtimes", { big: true });
    expectOk(await rclone(server, "sync", dir, `s3dir:${bucket}/mtimes`, ...multipart));
    const listed = filesOnly(await lsjson(`s3dir:${bucket}/mtimes`));
    const localModTime = new Date(treeMtimeSeconds * 1000).toISOString().replace("Z", "000000Z");
    expect(Object.fromEntries(listed.map((e) => [e.Path, e.ModTime]))).toEqual(
      Object.fromEntries(files.map((f) => [f.path, localModTime])),
    );
    for (const key of ["mtimes/x+y.txt", `mtimes/${bigTreeFile}`]) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(Number(head.Metadata?.mtime)).toBe(treeMtimeSeconds);
    }
  });
});

describe("rclone listings", () => {
  test("lsjson --hash gives every file's MD5 (the multipart one from rclone's own metadata)", async () => {
    const { dir, files } = localTree("hashes", { big: true });
    expectOk(await rclone(server, "sync", dir, `s3dir:${bucket}/hashes`, ...multipart));
    const listed = filesOnly(await lsjson("--hash", `s3dir:${bucket}/hashes`));
    expect(Object.fromEntries(listed.map((e) => [e.Path, [e.Size, e.Hashes?.md5]]))).toEqual(
      Object.fromEntries(files.map((f) => [f.path, [f.content.length, md5Hex(f.content)]])),
    );
  });

  test("--fast-list and both ListObjects versions list what the directory-by-directory walk lists", async () => {
    const { dir } = localTree("listing");
    expectOk(await rclone(server, "sync", dir, `s3dir:${bucket}/listing`));
    // Directories have no modification time on S3: rclone stamps them with the time it lists.
    const shape = (entries: ListedEntry[]) =>
      entries
        .map((e) => ({ ...e, ModTime: e.IsDir ? "" : e.ModTime }))
        .sort((a, b) => (a.Path < b.Path ? -1 : 1));
    const remote = `s3dir:${bucket}/listing`;
    const walked = shape(await lsjson("--hash", remote));
    expect(walked.map((e) => e.Path)).toContain("dir one/sub");
    expect(shape(await lsjson("--hash", "--fast-list", remote))).toEqual(walked);
    for (const version of ["1", "2"]) {
      expect(shape(await lsjson("--hash", "--s3-list-version", version, remote))).toEqual(walked);
    }
  });

  test("pages of two keys, with and without encoding-type=url, list the same entries", async () => {
    const { dir } = localTree("paging");
    const remote = `s3dir:${bucket}/paging`;
    expectOk(await rclone(server, "sync", dir, remote));
    const paths = async (...args: string[]) =>
      (await lsjson("--s3-list-chunk", "2", ...args, remote)).map((e) => e.Path).sort();
    const expected = [...treeFiles().map((f) => f.path), "dir one", "dir one/sub"].sort();
    // Not ListObjects v1 with --s3-list-url-encode: without a delimiter (-R) a truncated v1 page
    // has no NextMarker, as on AWS, and rclone 1.60 then takes the page's last Key for the marker
    // and reports that key URL-decoded twice: "x+y.txt" (listed as x%2By.txt) comes out "x y.txt".
    for (const options of [
      ["--s3-list-version", "1", "--s3-list-url-encode", "false"],
      ["--s3-list-version", "2", "--s3-list-url-encode", "false"],
      ["--s3-list-version", "2", "--s3-list-url-encode", "true"],
    ]) {
      expect(await paths(...options)).toEqual(expected);
      expect(await paths("--fast-list", ...options)).toEqual(expected);
    }
  });
});

describe("rclone and POSIX edits", () => {
  test("a file changed through POSIX shows its own mtime and MD5, so a sync down brings the change", async () => {
    const { dir, files } = localTree("edited", { big: true });
    const remote = `s3dir:${bucket}/edited`;
    expectOk(await rclone(server, "sync", dir, remote, ...multipart));
    const down = join(scratch, "edited-down");
    expectOk(await rclone(server, "sync", remote, down));

    // Same sizes, new bytes and a new mtime, written in place by a POSIX user.
    const editedAt = treeMtimeSeconds + 3600;
    const onDisk = join(server.root, bucket, "edited");
    const newBig = bytes(7_000_000, 20);
    writeFileSync(join(onDisk, "x+y.txt"), "PLUS");
    writeFileSync(join(onDisk, bigTreeFile), newBig);
    for (const name of ["x+y.txt", bigTreeFile]) utimesSync(join(onDisk, name), editedAt, editedAt);

    const listed = filesOnly(await lsjson("--hash", remote));
    const editedModTime = new Date(editedAt * 1000).toISOString().replace("Z", "000000Z");
    const entry = (path: string) => listed.find((e) => e.Path === path)!;
    expect([entry("x+y.txt").ModTime, entry("x+y.txt").Hashes?.md5]).toEqual([editedModTime, md5Hex("PLUS")]);
    expect([entry(bigTreeFile).ModTime, entry(bigTreeFile).Hashes?.md5]).toEqual([
      editedModTime,
      md5Hex(newBig),
    ]);
    const unchanged = entry("q&r.txt");
    expect(unchanged.Hashes?.md5).toBe(md5Hex(files.find((f) => f.path === "q&r.txt")!.content));

    expectOk(await rclone(server, "sync", remote, down));
    expect(await Bun.file(join(down, "x+y.txt")).text()).toBe("PLUS");
    expect(Buffer.from(await Bun.file(join(down, bigTreeFile)).arrayBuffer())).toEqual(Buffer.from(newBig));
  });
});

describe("rclone server-side copy and move", () => {
  test("copyto and moveto run on the server and keep the bytes, the MD5 and the mtime", async () => {
    const { dir } = localTree("cm", { big: true });
    expectOk(await rclone(server, "sync", dir, `s3dir:${bucket}/cm`, ...multipart));

    const copy = await rclone(
      server,
      "copyto",
      "-v",
      `s3dir:${bucket}/cm/x+y.txt`,
      `s3dir:${bucket}/cm2/x+y copy.txt`,
    );
    expect(copy.code).toBe(0);
    expect(copy.stderr).toContain("Copied (server-side copy)");
    const moved = await rclone(
      server,
      "moveto",
      "-v",
      `s3dir:${bucket}/cm/q&r.txt`,
      `s3dir:${bucket}/cm2/q&r moved.txt`,
    );
    expect(moved.code).toBe(0);
    expect(moved.stderr).toContain("Copied (server-side copy)");
    expect(moved.stderr).toContain("q&r.txt: Deleted");
    // Above --s3-copy-cutoff rclone copies in parts (UploadPartCopy).
    const parts = await rclone(
      server,
      "copyto",
      "-vv",
      "--s3-copy-cutoff",
      "5M",
      `s3dir:${bucket}/cm/${bigTreeFile}`,
      `s3dir:${bucket}/cm2/${bigTreeFile}`,
    );
    expect(parts.code).toBe(0);
    expect(parts.stderr).toContain("multipart copy with 2 parts");

    const cm2 = join(server.root, bucket, "cm2");
    expect(await Bun.file(join(cm2, "x+y copy.txt")).text()).toBe("plus");
    expect(await Bun.file(join(cm2, "q&r moved.txt")).text()).toBe("ampersand");
    expect(existsSync(join(server.root, bucket, "cm", "q&r.txt"))).toBe(false);
    const big = treeFiles({ big: true }).find((f) => f.path === bigTreeFile)!;
    expect(Buffer.from(await Bun.file(join(cm2, bigTreeFile)).arrayBuffer())).toEqual(
      Buffer.from(big.content),
    );

    const listed = filesOnly(await lsjson("--hash", `s3dir:${bucket}/cm2`));
    const localModTime = new Date(treeMtimeSeconds * 1000).toISOString().replace("Z", "000000Z");
    expect(listed.map((e) => [e.Path, e.Hashes?.md5, e.ModTime])).toEqual([
      [bigTreeFile, md5Hex(big.content), localModTime],
      ["q&r moved.txt", md5Hex("ampersand"), localModTime],
      ["x+y copy.txt", md5Hex("plus"), localModTime],
    ]);
  });
});

describe("rclone uploads and tiers", () => {
  // rclone signs Content-Length into the URL and the Go client then sends it twice, identical;
  // S3 takes the one length (RFC 9110 section 8.6 allows that reading). Node's HTTP parser (20)
  // refuses such a request with 400 before a Node host sees it.
  test.todoIf(defaultTestRuntime === "node")(
    "single-part uploads as presigned PUTs (rclone's way before 1.59) land, Content-Length sent twice",
    async () => {
      const { dir } = localTree("presigned");
      const remote = `s3dir:${bucket}/presigned`;
      const result = await rclone(server, "copy", "--s3-use-presigned-request", dir, remote);
      expect(result.stderr).not.toContain("SignatureDoesNotMatch");
      expect(result.code).toBe(0);
      const files = treeFiles();
      expect(readFromRoot(server.root, bucket, "presigned", files)).toEqual(expectedBytes(files));
      expect((await rclone(server, "check", dir, remote)).stderr).toContain("0 differences found");
    },
  );

  test("settier rewrites the object onto itself; s3dir keeps one storage class, so the tier stays STANDARD", async () => {
    const { dir } = localTree("tier");
    expectOk(await rclone(server, "copy", dir, `s3dir:${bucket}/tier`));
    const result = await rclone(server, "settier", "STANDARD_IA", `s3dir:${bucket}/tier/x+y.txt`);
    expect(result.stderr).not.toContain("InvalidRequest");
    expect(result.code).toBe(0);
    const listed = filesOnly(await lsjson(`s3dir:${bucket}/tier`)) as (ListedEntry & { Tier?: string })[];
    const entry = listed.find((e) => e.Path === "x+y.txt")!;
    expect(entry.Tier).toBe("STANDARD");
    expect(entry.ModTime).toBe(new Date(treeMtimeSeconds * 1000).toISOString().replace("Z", "000000Z"));
    expect(await Bun.file(join(server.root, bucket, "tier", "x+y.txt")).text()).toBe("plus");
  });
});

describe("rclone rmdir and purge of a bucket", () => {
  test("rmdir removes an empty bucket and refuses a full one with BucketNotEmpty", async () => {
    const name = uniqueBucket("rclone-rmdir");
    expectOk(await rclone(server, "mkdir", `s3dir:${name}`));
    expectOk(await rclone(server, "copyto", join(localTree("rmdir").dir, "x+y.txt"), `s3dir:${name}/k.txt`));
    const full = await rclone(server, "rmdir", `s3dir:${name}`);
    expect(full.code).not.toBe(0);
    expect(full.stderr).toContain("BucketNotEmpty");
    expect(await Bun.file(join(server.root, name, "k.txt")).text()).toBe("plus");

    expectOk(await rclone(server, "deletefile", `s3dir:${name}/k.txt`));
    expectOk(await rclone(server, "rmdir", `s3dir:${name}`));
    expect((await sdkFailure(s3.send(new HeadBucketCommand({ Bucket: name })))).status).toBe(404);
    expect(existsSync(join(server.root, name))).toBe(false);
  });

  test("purge deletes every object and the bucket", async () => {
    const name = uniqueBucket("rclone-purge");
    const { dir } = localTree("purge");
    expectOk(await rclone(server, "sync", dir, `s3dir:${name}/tree`));
    expect(existsSync(join(server.root, name, "tree", "dir one", "sub", "deep.txt"))).toBe(true);
    expectOk(await rclone(server, "purge", `s3dir:${name}`));
    expect((await sdkFailure(s3.send(new HeadBucketCommand({ Bucket: name })))).status).toBe(404);
    expect(existsSync(join(server.root, name))).toBe(false);
    const buckets = expectOk(await rclone(server, "lsjson", "s3dir:")) as ListedEntry[];
    expect(buckets.map((b) => b.Path)).toEqual([bucket]);
  });
});
