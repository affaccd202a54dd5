import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { Layout } from "../../src/storage/layout/paths.ts";
import { createPosixStore, type PosixStore } from "../../src/storage/posix-store.ts";
import { cleanStaleTemps } from "../../src/storage/sweeps/stale-temps.ts";
import { code } from "../helpers/storage-error-code.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

describe("buckets", () => {
  let s: PosixStore;
  let root: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-bkt-`);
    roots.push(root);
    fs.mkdirSync(`${root}/existing-tree/sub`, { recursive: true });
    fs.writeFileSync(`${root}/existing-tree/sub/file.txt`, "old");
    fs.mkdirSync(`${root}/Not_A_Bucket`);
    fs.mkdirSync(`${root}/192.168.1.1`);
    fs.mkdirSync(`${root}/xn--reserved-prefix`);
    fs.mkdirSync(`${root}/reserved-suffix-s3alias`);
    fs.mkdirSync(`${root}/kept-.label`);
    fs.writeFileSync(`${root}/loose-file`, "x");
    fs.symlinkSync(`${root}/existing-tree`, `${root}/linked-bucket`);
    s = await createPosixStore({ root, fsync: false });
  });

  test("the system directory is private and never a bucket", () => {
    expect(fs.statSync(`${root}/.s3dir`).mode & 0o777).toBe(0o700);
  });

  test("create, head, list, delete", async () => {
    await s.createBucket("photos");
    await s.createBucket("a.b-c");
    expect(fs.existsSync(`${root}/photos/.s3dir`)).toBe(false);
    expect(fs.statSync(`${root}/.s3dir/buckets/photos`).mode & 0o777).toBe(0o700);
    expect(await code(s.createBucket("photos"))).toBe("BucketExists");
    const reserved = ["xn--abc", "sthree-abc", "abc-s3alias", "abc--ol-s3"];
    for (const bad of [
      "ab",
      "UPPER",
      "a..b",
      "-abc",
      "abc-",
      "10.0.0.1",
      "x".repeat(64),
      "a_b",
      ".s3dir",
      "new-.label",
      "amzn-s3-demo-x",
      ...reserved,
    ]) {
      expect(await code(s.createBucket(bad))).toBe("InvalidBucketName");
    }
    const list = await s.listBuckets();
    // A directory made before the creation-only rules (a label ending in "-") stays a bucket.
    expect(list.map((b) => b.name)).toEqual(["a.b-c", "existing-tree", "kept-.label", "photos"]);
    const head = await s.headBucket("photos");
    expect(Math.abs(head.created.getTime() - Date.now())).toBeLessThan(60_000);
    expect(list.find((b) => b.name === "photos")!.created.getTime()).toBe(head.created.getTime());
    expect(await code(s.headBucket("nope-nope"))).toBe("NoSuchBucket");
    expect(await code(s.headBucket("linked-bucket"))).toBe("NoSuchBucket");
    expect(await code(s.headBucket("xn--reserved-prefix"))).toBe("NoSuchBucket");
    expect(await code(s.headBucket("reserved-suffix-s3alias"))).toBe("NoSuchBucket");
    await s.deleteBucket("a.b-c");
    expect(fs.existsSync(`${root}/a.b-c`)).toBe(false);
    expect(await code(s.deleteBucket("a.b-c"))).toBe("NoSuchBucket");
  });

  test("an existing tree is served as is", async () => {
    const o = await s.openObject("existing-tree", "sub/file.txt");
    expect(await new Response(o.stream(0, o.info.size - 1)).text()).toBe("old");
    const r = await s.list({ bucket: "existing-tree", prefix: "", delimiter: "/", after: "", maxKeys: 10 });
    expect(r.commonPrefixes).toEqual(["sub/"]);
    const body = new Blob(["new"]).stream();
    await s.putObject({
      bucket: "existing-tree",
      key: "sub/new.txt",
      body,
      attributes: { userMetadata: {} },
      verify: {},
    });
    expect(fs.readFileSync(`${root}/existing-tree/sub/new.txt`, "utf8")).toBe("new");
  });

  test("a bucket with objects or other entries is not deleted", async () => {
    await s.createBucket("busy");
    const body = new Blob(["x"]).stream();
    await s.putObject({ bucket: "busy", key: "k", body, attributes: { userMetadata: {} }, verify: {} });
    expect(await code(s.deleteBucket("busy"))).toBe("BucketNotEmpty");
    await s.deleteObject("busy", "k");
    fs.mkdirSync(`${root}/busy/emptydir`);
    expect(await code(s.deleteBucket("busy"))).toBe("BucketNotEmpty");
    fs.rmdirSync(`${root}/busy/emptydir`);
    await s.deleteBucket("busy");
    expect(fs.existsSync(`${root}/busy`)).toBe(false);
    expect(
      await code(
        s.putObject({
          bucket: "busy",
          key: "k",
          body: new Blob(["x"]).stream(),
          attributes: { userMetadata: {} },
          verify: {},
        }),
      ),
    ).toBe("NoSuchBucket");
  });

  test("stale temp files are cleaned, fresh ones kept", async () => {
    await s.createBucket("temps");
    const tmp = `${root}/.s3dir/buckets/temps/tmp`;
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(`${tmp}/old`, "x");
    fs.writeFileSync(`${tmp}/fresh`, "x");
    const old = new Date(Date.now() - 2 * 86_400_000);
    fs.utimesSync(`${tmp}/old`, old, old);
    expect(await cleanStaleTemps(new Layout(fs.realpathSync(root)))).toBe(1);
    expect(fs.readdirSync(tmp)).toEqual(["fresh"]);
  });
});
