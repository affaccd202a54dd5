/**
 * The trust boundary with POSIX users (docs/threat-model.md), tried as a hostile neighbour
 * would: the server runs as an unprivileged user, and a second unprivileged user owns one
 * bucket directory and does there what the filesystem lets them do (symlinks and FIFOs in
 * every position, a fake `.s3dir`, hard links, unreadable files and directories). Each attack
 * asserts that nothing outside the root is read, written or deleted, that no secret is
 * returned, and that the host keeps serving /health/live and the other buckets.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { s3Client, sdkFailure, startServer, type TestServer } from "../helpers/index.ts";
import { asUser, ensureTestUser, type UnprivilegedUser } from "../helpers/unprivileged.ts";

setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
let mallory: UnprivilegedUser;
let serverUser: UnprivilegedUser;
/** A directory outside the root that the server's user could write, were it ever led there. */
let outside: string;
let outsideBefore: string;
const evil = "evil";
const good = "good";
const evilDir = () => join(server.root, evil);
const systemDir = () => join(server.root, ".s3dir");

/** Runs a shell command as the bucket's owner; returns its exit code and output. */
function asMallory(script: string): { code: number; out: string } {
  const r = Bun.spawnSync([...asUser(mallory), "sh", "-c", script], { cwd: evilDir() });
  return { code: r.exitCode ?? -1, out: `${r.stdout.toString()}${r.stderr.toString()}` };
}

function mallory$(script: string): void {
  const r = asMallory(script);
  if (r.code !== 0) throw new Error(`as ${mallory.name}: ${script}: ${r.out}`);
}

/** Every file below dir with its size and content hash: what "unchanged" means here. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(d, e.name);
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${name}/`);
        walk(path, name);
      } else out.push(`${name} ${Bun.hash(readFileSync(path)).toString(16)}`);
    }
  };
  walk(dir, "");
  return out.join("\n");
}

/** Secrets the server holds: none may ever appear in a response. */
function secrets(): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (/key|credential|secret/i.test(e.name)) found.push(readFileSync(path, "utf8"));
    }
  };
  walk(systemDir());
  return found.filter((s) => s.length >= 16);
}

async function text(body: unknown): Promise<string> {
  return (await (body as { transformToString(): Promise<string> }).transformToString()) ?? "";
}

async function expectHostFine(): Promise<void> {
  const live = await fetch(`${server.endpoint}/health/live`, { signal: AbortSignal.timeout(2000) });
  expect(live.status).toBe(200);
  const got = await s3.send(new GetObjectCommand({ Bucket: good, Key: "kept.txt" }));
  expect(await text(got.Body)).toBe("good bytes");
  expect(snapshot(outside)).toBe(outsideBefore);
}

beforeAll(async () => {
  serverUser = ensureTestUser("s3dir-test");
  mallory = ensureTestUser("s3dir-mallory");
  outside = mkdtempSync(join(tmpdir(), "s3dir-outside-"));
  chmodSync(outside, 0o755);
  mkdirSync(join(outside, "dir"));
  writeFileSync(join(outside, "secret.txt"), "outside secret");
  writeFileSync(join(outside, "dir", "victim.txt"), "must survive");
  writeFileSync(join(outside, "server-only.txt"), "readable by the server's user only");
  for (const p of ["", "dir", "secret.txt", join("dir", "victim.txt"), "server-only.txt"]) {
    chownSync(join(outside, p), serverUser.uid, serverUser.gid);
  }
  chmodSync(join(outside, "server-only.txt"), 0o600);
  outsideBefore = snapshot(outside);

  server = await startServer({ user: serverUser, args: ["--multipart-expiry", "1s"] });
  chmodSync(server.root, 0o755);
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: good }));
  await s3.send(new PutObjectCommand({ Bucket: good, Key: "kept.txt", Body: "good bytes" }));
  await s3.send(new CreateBucketCommand({ Bucket: evil }));
  // The bucket directory is handed to its POSIX owner, who lets the server write into it.
  chownSync(evilDir(), mallory.uid, mallory.gid);
  chmodSync(evilDir(), 0o777);
  await s3.send(new PutObjectCommand({ Bucket: evil, Key: "plain.txt", Body: "plain" }));
});

afterAll(async () => {
  await server?.stop();
  rmSync(outside, { recursive: true, force: true });
});

describe("a bucket owner cannot reach the server's state", () => {
  test("the server's user owns a private system directory the neighbour cannot enter", () => {
    const st = statSync(systemDir());
    expect(st.uid).toBe(serverUser.uid);
    expect(st.mode & 0o777).toBe(0o700);
    expect(asMallory(`ls ${systemDir()}`).code).not.toBe(0);
  });

  test("a fake .s3dir whose settings/policy links to the master key is never read", async () => {
    // Earlier versions kept the bucket's state in <bucket>/.s3dir: rename it away, put links back.
    mallory$("if [ -e .s3dir ]; then mv .s3dir .s3dir-moved; fi");
    mallory$(`mkdir -p .s3dir/settings && ln -s ${systemDir()}/master.key .s3dir/settings/policy`);
    mallory$(`ln -s ${join(outside, "secret.txt")} .s3dir/settings/encryption`);
    const failure = await sdkFailure(s3.send(new GetBucketPolicyCommand({ Bucket: evil })));
    expect(failure.name).toBe("NoSuchBucketPolicy");
    await expectHostFine();
  });

  test("a fake .s3dir whose settings, tmp, serve and trash link outside is never written or swept", async () => {
    mallory$("mv .s3dir .s3dir-moved-again");
    for (const sub of ["settings", "tmp", "serve", "trash", "uploads", "completing", "locks", "meta"]) {
      mallory$(`mkdir -p .s3dir && ln -s ${join(outside, "dir")} .s3dir/${sub}`);
    }
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${evil}/*` },
      ],
    });
    // New buckets block public policies (AWS's defaults since 2023): open this one first.
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: evil }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: evil, Policy: policy }));
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: evil }))).Policy ?? "{}")).toEqual(
      JSON.parse(policy),
    );
    const big = new Uint8Array(2 * 1024 * 1024).fill(7);
    await s3.send(new PutObjectCommand({ Bucket: evil, Key: "big.bin", Body: big }));
    const got = await s3.send(new GetObjectCommand({ Bucket: evil, Key: "big.bin" }));
    expect((await got.Body!.transformToByteArray()).length).toBe(big.length);
    await expectHostFine();
  });

  test("no response carries a secret of the system directory", async () => {
    const all = secrets();
    expect(all.length).toBeGreaterThan(0);
    const bodies: string[] = [];
    for (const key of [".s3dir/settings/policy", ".s3dir/tmp", "plain.txt"]) {
      const r = await fetch(`${server.endpoint}/${evil}/${key}`);
      bodies.push(await r.text());
    }
    for (const body of bodies) for (const secret of all) expect(body).not.toContain(secret.trim());
  });
});

describe("symlinks and hard links in key positions", () => {
  test("a symlink to a file outside is no object: GET, HEAD and copy source are 404", async () => {
    mallory$(`ln -s ${join(outside, "secret.txt")} link.txt`);
    expect((await sdkFailure(s3.send(new GetObjectCommand({ Bucket: evil, Key: "link.txt" })))).status).toBe(
      404,
    );
    expect((await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: evil, Key: "link.txt" })))).status).toBe(
      404,
    );
    const copy = await sdkFailure(
      s3.send(new CopyObjectCommand({ Bucket: good, Key: "stolen.txt", CopySource: `${evil}/link.txt` })),
    );
    expect(copy.status).toBe(404);
    await expectHostFine();
  });

  test("a symlinked directory is never traversed: reads 404, writes never land outside, deletes touch nothing", async () => {
    mallory$(`ln -s ${join(outside, "dir")} linkdir`);
    const get = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: evil, Key: "linkdir/victim.txt" })));
    expect(get.status).toBe(404);
    const outsideBefore = readdirSync(join(outside, "dir")).sort();
    // A symlink in a key's way is never followed: the key goes to <bucket>/.s3dir/keys, which the
    // server may not make here (the neighbour's bucket directory is not the server's to write).
    for (const Key of ["linkdir/new.txt", "linkdir/sub/new.txt"]) {
      const put = await sdkFailure(s3.send(new PutObjectCommand({ Bucket: evil, Key, Body: "x" })));
      expect(put.status).toBe(403);
    }
    expect(readdirSync(join(outside, "dir")).sort()).toEqual(outsideBefore);
    await s3.send(new DeleteObjectCommand({ Bucket: evil, Key: "linkdir/victim.txt" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: evil }));
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    expect(keys).toContain("plain.txt");
    expect(keys.filter((k) => k?.startsWith("link"))).toEqual([]);
    for (const Prefix of ["linkdir/", "linkdir/v"]) {
      const under = await s3.send(new ListObjectsV2Command({ Bucket: evil, Prefix }));
      expect(under.Contents ?? []).toEqual([]);
    }
    const folders = await s3.send(new ListObjectsV2Command({ Bucket: evil, Delimiter: "/" }));
    expect((folders.CommonPrefixes ?? []).map((p) => p.Prefix)).not.toContain("linkdir/");
    await expectHostFine();
  });

  test("a .s3dir symlink never leads the alternate area outside", async () => {
    mallory$(`rm -rf .s3dir && ln -s ${join(outside, "dir")} .s3dir`);
    const outsideBefore = readdirSync(join(outside, "dir")).sort();
    const put = await sdkFailure(s3.send(new PutObjectCommand({ Bucket: evil, Key: "a//b", Body: "x" })));
    expect(put.status).toBe(409);
    expect((await sdkFailure(s3.send(new GetObjectCommand({ Bucket: evil, Key: "a//b" })))).status).toBe(404);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: evil, Prefix: "a/" }));
    expect(listed.Contents ?? []).toEqual([]);
    expect(readdirSync(join(outside, "dir")).sort()).toEqual(outsideBefore);
    mallory$("rm .s3dir");
    await expectHostFine();
  });

  test("the kernel refuses a hard link to a file the neighbour cannot read", () => {
    const r = asMallory(`ln ${join(outside, "server-only.txt")} hard.txt`);
    expect(r.code).not.toBe(0);
  });
});

describe("files that are not regular files, or not readable", () => {
  test("a FIFO is no object and never blocks the host", async () => {
    mallory$("mkfifo pipe && mkdir -p d && mkfifo d/pipe2");
    const started = performance.now();
    expect((await sdkFailure(s3.send(new GetObjectCommand({ Bucket: evil, Key: "pipe" })))).status).toBe(404);
    expect((await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: evil, Key: "d/pipe2" })))).status).toBe(
      404,
    );
    const copy = await sdkFailure(
      s3.send(new CopyObjectCommand({ Bucket: good, Key: "p", CopySource: `${evil}/pipe` })),
    );
    expect(copy.status).toBe(404);
    await s3.send(new PutObjectCommand({ Bucket: evil, Key: "pipe/x", Body: "x" })); // the alternate area
    await s3.send(new DeleteObjectCommand({ Bucket: evil, Key: "pipe/x" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: evil }));
    expect((listed.Contents ?? []).map((o) => o.Key)).not.toContain("pipe");
    expect(performance.now() - started).toBeLessThan(10_000);
    await expectHostFine();
  });

  test("an unreadable file is 403, an unreadable directory is skipped by listings and refuses writes", async () => {
    mallory$("echo private > private.txt && chmod 600 private.txt");
    mallory$("mkdir -p closed && echo hidden > closed/inner.txt && chmod 700 closed");
    const get = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: evil, Key: "private.txt" })));
    expect(get.status).toBe(403);
    expect(get.name).toBe("AccessDenied");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: evil }));
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    expect(keys).toContain("plain.txt");
    expect(keys).not.toContain("closed/inner.txt");
    const put = await sdkFailure(
      s3.send(new PutObjectCommand({ Bucket: evil, Key: "closed/new.txt", Body: "x" })),
    );
    expect(put.status).toBe(403);
    await s3.send(new PutObjectCommand({ Bucket: evil, Key: "open/new.txt", Body: "still works" }));
    await expectHostFine();
  });
});

describe("after every attack", () => {
  test("nothing outside the root changed and no temp file is left in the bucket's state", async () => {
    expect(snapshot(outside)).toBe(outsideBefore);
    const tmp = join(systemDir(), "buckets", evil, "tmp");
    const left = (() => {
      try {
        return readdirSync(tmp);
      } catch {
        return [];
      }
    })();
    expect(left).toEqual([]);
    await expectHostFine();
  });
});
