/**
 * s3cmd with Signature Version 4 (its default) as its users drive it: put and get in parts, sync
 * up and down, ls/la/info, server-side cp, modify --add-header, setacl --acl-public, del and rb;
 * the objects are plain files under the root with the bytes sent.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeletePublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
} from "@aws-sdk/client-s3";
import { encodeKey, expectOk, md5Hex, sdkFailure } from "../helpers/clients.ts";
import { bigTreeFile, expectedBytes, readFromRoot, treeFiles, writeTree } from "../helpers/local-tree.ts";
import { s3cmd, writeS3cmdConfig } from "../helpers/s3cmd.ts";
import { useHost } from "../helpers/use-host.ts";
import { uniqueBucket } from "../helpers/util.ts";

setDefaultTimeout(120_000);

const { server, s3, bucket } = useHost({ bucket: "s3cmd" });
let scratch = "";
let config = "";

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "s3cmd-test-"));
  config = writeS3cmdConfig(server, scratch);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** s3cmd with the test's configuration; throws with its output unless it exited 0. */
async function ok(...args: string[]): Promise<string> {
  const result = await s3cmd(config, ...args);
  expectOk(result);
  return result.stdout;
}

/** The s3:// URLs an `ls`/`la` output names, in its order. */
const listedUrls = (stdout: string) =>
  stdout
    .split("\n")
    .map((line) => /\s(s3:\/\/.*)$/.exec(line)?.[1])
    .filter((url): url is string => url !== undefined);

/** `s3cmd info` as name → value ("MD5 sum" → "…"). */
function infoFields(stdout: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of stdout.matchAll(/^\s+([^:\n]+):\s*(.*)$/gm))
    fields[match[1]!.trim()] ??= match[2]!.trim();
  return fields;
}

const bigFile = () => treeFiles({ big: true }).find((f) => f.path === bigTreeFile)!;

describe("s3cmd put, get and info", () => {
  test("put in 5 MiB parts, get it back, info shows the whole file's MD5 and the MIME type", async () => {
    const big = bigFile();
    const local = join(scratch, "up.bin");
    writeFileSync(local, big.content);
    const key = "put/big é+x.bin";
    await ok("put", "--multipart-chunk-size-mb=5", local, `s3://${bucket}/${key}`);

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ETag).toEndWith('-2"');
    expect(readFileSync(join(server.root, bucket, key))).toEqual(Buffer.from(big.content));

    const got = join(scratch, "got.bin");
    await ok("get", `s3://${bucket}/${key}`, got);
    expect(readFileSync(got)).toEqual(Buffer.from(big.content));

    const info = infoFields(await ok("info", `s3://${bucket}/${key}`));
    expect(info["File size"]).toBe("7000000");
    expect(info["MD5 sum"]).toBe(md5Hex(big.content));
    expect(info["MIME type"]).toBe("application/octet-stream");

    writeFileSync(join(scratch, "note.txt"), "plain words");
    await ok("put", join(scratch, "note.txt"), `s3://${bucket}/put/note.txt`);
    const note = infoFields(await ok("info", `s3://${bucket}/put/note.txt`));
    expect(note["MD5 sum"]).toBe(md5Hex("plain words"));
    expect(note["MIME type"]).toBe("text/plain");
  });

  test("get of a missing key fails and writes no file", async () => {
    const target = join(scratch, "missing.txt");
    const result = await s3cmd(config, "get", `s3://${bucket}/put/nothing-here.txt`, target);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("does not exist");
    expect(existsSync(target)).toBe(false);
  });
});

describe("s3cmd sync, ls and la", () => {
  test("sync up, again (nothing sent), a change and --delete-removed; ls, la and a sync down agree", async () => {
    const dir = join(scratch, "tree");
    const files = treeFiles({ big: true });
    writeTree(dir, files);
    const remote = `s3://${bucket}/synced/`;
    const first = await ok("sync", "--multipart-chunk-size-mb=5", `${dir}/`, remote);
    expect(first.match(/^upload: /gm)?.length).toBe(files.length);
    expect(readFromRoot(server.root, bucket, "synced", files)).toEqual(expectedBytes(files));

    const second = await ok("sync", "--multipart-chunk-size-mb=5", `${dir}/`, remote);
    expect(second).not.toContain("upload:");

    writeFileSync(join(dir, "x+y.txt"), "plus, changed");
    unlinkSync(join(dir, "q&r.txt"));
    const third = await ok("sync", "--delete-removed", `${dir}/`, remote);
    expect(third).toContain(`delete: '${remote}q&r.txt'`);
    expect(third.match(/^upload: /gm)?.length).toBe(1);
    expect(readFileSync(join(server.root, bucket, "synced", "x+y.txt"), "utf8")).toBe("plus, changed");
    expect(existsSync(join(server.root, bucket, "synced", "q&r.txt"))).toBe(false);

    const keys = files.map((f) => f.path).filter((p) => p !== "q&r.txt");
    expect(listedUrls(await ok("ls", "-r", remote)).sort()).toEqual(keys.map((k) => `${remote}${k}`).sort());
    expect(listedUrls(await ok("ls", remote)).sort()).toEqual(
      [`${remote}dir one/`, ...keys.filter((k) => !k.includes("/")).map((k) => `${remote}${k}`)].sort(),
    );
    expect(listedUrls(await ok("la"))).toContain(`s3://${bucket}/synced/`);

    const down = join(scratch, "down");
    await ok("sync", remote, `${down}/`);
    for (const key of keys) expect(readFileSync(join(down, key))).toEqual(readFileSync(join(dir, key)));
    expect(existsSync(join(down, "q&r.txt"))).toBe(false);
  });
});

describe("s3cmd cp and modify", () => {
  test("cp copies on the server; modify --add-header sets a header and metadata and keeps the bytes", async () => {
    writeFileSync(join(scratch, "source.txt"), "copy me");
    await ok("put", join(scratch, "source.txt"), `s3://${bucket}/cp/source & more.txt`);
    const copy = await ok("cp", `s3://${bucket}/cp/source & more.txt`, `s3://${bucket}/cp/copy 100%.txt`);
    expect(copy).toContain("remote copy:");
    expect(readFileSync(join(server.root, bucket, "cp", "copy 100%.txt"), "utf8")).toBe("copy me");

    await ok(
      "modify",
      "--add-header=Cache-Control: max-age=60",
      "--add-header=x-amz-meta-colour: blue",
      `s3://${bucket}/cp/copy 100%.txt`,
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "cp/copy 100%.txt" }));
    expect(head.CacheControl).toBe("max-age=60");
    expect(head.Metadata?.colour).toBe("blue");
    expect(head.ContentType).toBe("text/plain");
    expect(head.ETag).toBe(`"${md5Hex("copy me")}"`);
    expect(readFileSync(join(server.root, bucket, "cp", "copy 100%.txt"), "utf8")).toBe("copy me");
  });
});

describe("s3cmd setacl", () => {
  test("--acl-public on a bucket that allows ACLs opens the listing, then the object, to anonymous reads", async () => {
    // New buckets have ACLs disabled and public access blocked (docs/security.md); s3cmd's users
    // ask for an ObjectWriter bucket without the block.
    const name = uniqueBucket("s3cmd-acl");
    await s3.send(new CreateBucketCommand({ Bucket: name, ObjectOwnership: "ObjectWriter" }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: name }));
    writeFileSync(join(scratch, "public.txt"), "for everyone");
    await ok("put", join(scratch, "public.txt"), `s3://${name}/pub lic.txt`);
    const objectUrl = `${server.endpoint}/${name}/${encodeKey("pub lic.txt")}`;
    expect((await fetch(`${server.endpoint}/${name}/`)).status).toBe(403);
    expect((await fetch(objectUrl)).status).toBe(403);

    expect(await ok("setacl", "--acl-public", `s3://${name}`)).toContain("ACL set to Public");
    const listing = await fetch(`${server.endpoint}/${name}/`);
    expect(listing.status).toBe(200);
    expect(await listing.text()).toContain("<Key>pub lic.txt</Key>");
    expect((await fetch(objectUrl)).status).toBe(403);

    await ok("setacl", "--acl-public", `s3://${name}/pub lic.txt`);
    const object = await fetch(objectUrl);
    expect(object.status).toBe(200);
    expect(await object.text()).toBe("for everyone");
    expect(await ok("info", `s3://${name}/pub lic.txt`)).toContain("*anon*: READ");

    await ok("setacl", "--acl-private", `s3://${name}/pub lic.txt`);
    expect((await fetch(objectUrl)).status).toBe(403);
    await ok("rb", "--recursive", "--force", `s3://${name}`);
  });

  test("--acl-public on a bucket with ACLs disabled fails with AccessControlListNotSupported", async () => {
    const result = await s3cmd(config, "setacl", "--acl-public", `s3://${bucket}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("AccessControlListNotSupported");
    expect((await fetch(`${server.endpoint}/${bucket}/`)).status).toBe(403);
  });
});

describe("s3cmd del and rb", () => {
  test("del removes the file; rb refuses a full bucket, removes an emptied one, and --recursive a full one", async () => {
    const name = uniqueBucket("s3cmd-rb");
    expect(await ok("mb", `s3://${name}`)).toContain("created");
    writeFileSync(join(scratch, "gone.txt"), "soon gone");
    await ok("put", join(scratch, "gone.txt"), `s3://${name}/a/gone.txt`);
    expect(existsSync(join(server.root, name, "a", "gone.txt"))).toBe(true);

    const full = await s3cmd(config, "rb", `s3://${name}`);
    expect(full.code).not.toBe(0);
    expect(full.stderr).toContain("BucketNotEmpty");
    expect(existsSync(join(server.root, name, "a", "gone.txt"))).toBe(true);

    expect(await ok("del", `s3://${name}/a/gone.txt`)).toContain("delete:");
    expect(existsSync(join(server.root, name, "a", "gone.txt"))).toBe(false);
    expect(listedUrls(await ok("ls", "-r", `s3://${name}`))).toEqual([]);
    await ok("rb", `s3://${name}`);
    expect((await sdkFailure(s3.send(new HeadBucketCommand({ Bucket: name })))).status).toBe(404);
    expect(existsSync(join(server.root, name))).toBe(false);

    const other = uniqueBucket("s3cmd-rb");
    await ok("mb", `s3://${other}`);
    await ok("put", join(scratch, "gone.txt"), `s3://${other}/deep/er/gone.txt`);
    await ok("rb", "--recursive", "--force", `s3://${other}`);
    expect(existsSync(join(server.root, other))).toBe(false);
  });
});
