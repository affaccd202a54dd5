import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  aws,
  bytes,
  compareUtf8,
  errorCodeOf,
  expectOk,
  py,
  sdkFailure,
  signedFetch,
  sortedUtf8,
  uniqueBucket,
  useHost,
  walk,
  xmlValue,
  xmlValues,
} from "../helpers/index.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "listing" });

/** Chosen so that UTF-8 byte order differs from naive orders: `a+b < a/x < a0`, BMP vs astral, ASCII vs Unicode. */
const keys = [
  "!bang",
  "a+b",
  "a/x",
  "a/y/z",
  "a0",
  "b",
  "b c",
  "c%d",
  "dir/",
  "dir/sub/one",
  "dir/two",
  "e\u00e9",
  "x\uff5e",
  "x\u{1F600}",
  "zz/ top",
  "~tilde",
  "ü/x",
  "日本/語",
];

beforeAll(async () => {
  await Promise.all(
    keys.map((key) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key.endsWith("/") ? "" : `v:${key}` })),
    ),
  );
});

interface Entry {
  kind: "key" | "prefix";
  value: string;
}

/** What S3 lists for these keys: keys and common prefixes in UTF-8 byte order. */
function model(all: string[], prefix = "", delimiter = "", after = ""): Entry[] {
  const out = new Map<string, Entry>();
  for (const key of sortedUtf8(all)) {
    if (!key.startsWith(prefix)) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const entry: Entry =
      cut >= 0
        ? { kind: "prefix", value: key.slice(0, cut + delimiter.length) }
        : { kind: "key", value: key };
    if (compareUtf8(entry.value, after) > 0) out.set(entry.value, entry);
  }
  return [...out.values()].sort((a, b) => compareUtf8(a.value, b.value));
}

function entriesOf(page: { Contents?: { Key?: string }[]; CommonPrefixes?: { Prefix?: string }[] }): Entry[] {
  return [
    ...(page.Contents ?? []).map((c): Entry => ({ kind: "key", value: c.Key! })),
    ...(page.CommonPrefixes ?? []).map((p): Entry => ({ kind: "prefix", value: p.Prefix! })),
  ].sort((a, b) => compareUtf8(a.value, b.value));
}

describe("ListObjectsV2", () => {
  test("lists every key in UTF-8 byte order", async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).map((c) => c.Key)).toEqual(sortedUtf8(keys));
    expect(listed.KeyCount).toBe(keys.length);
    expect(listed.IsTruncated).toBe(false);
    expect(listed.Name).toBe(bucket);
    expect(listed.MaxKeys).toBe(1000);
    const keyIndex = (k: string) => listed.Contents!.findIndex((c) => c.Key === k);
    expect(keyIndex("a+b")).toBeLessThan(keyIndex("a/x"));
    expect(keyIndex("a/x")).toBeLessThan(keyIndex("a0"));
    expect(keyIndex("x\uff5e")).toBeLessThan(keyIndex("x\u{1F600}"));
    const dir = listed.Contents!.find((c) => c.Key === "dir/")!;
    expect(dir.Size).toBe(0);
    const plain = listed.Contents!.find((c) => c.Key === "b c")!;
    expect(plain.Size).toBe("v:b c".length);
    expect(plain.ETag).toBe(`"${new Bun.CryptoHasher("md5").update("v:b c").digest("hex")}"`);
    expect(plain.StorageClass).toBe("STANDARD");
    expect(plain.LastModified).toBeInstanceOf(Date);
  });

  test("delimiter at the root, and with prefixes", async () => {
    const cases: [string, string][] = [
      ["", "/"],
      ["dir/", "/"],
      ["a", "/"],
      ["a/", "/"],
      ["dir/sub/", "/"],
      ["", "a"],
      ["nomatch", "/"],
    ];
    for (const [prefix, delimiter] of cases) {
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter }),
      );
      expect({ prefix, delimiter, entries: entriesOf(listed) }).toEqual({
        prefix,
        delimiter,
        entries: model(keys, prefix, delimiter),
      });
      expect(listed.KeyCount).toBe(model(keys, prefix, delimiter).length);
    }
    const root = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    expect((root.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(["a/", "dir/", "zz/", "ü/", "日本/"]);
    const dir = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir/", Delimiter: "/" }));
    expect((dir.Contents ?? []).map((c) => c.Key)).toEqual(["dir/", "dir/two"]);
    expect((dir.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(["dir/sub/"]);
  });

  test("start-after", async () => {
    for (const after of ["a0", "b", "dir/", "a/x", "\u00ff", "zzzz"]) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: after }));
      expect({ after, keys: (listed.Contents ?? []).map((c) => c.Key) }).toEqual({
        after,
        keys: model(keys, "", "", after).map((e) => e.value),
      });
      expect(listed.StartAfter).toBe(after);
    }
  });

  test("paging with every max-keys from 1 to 7 equals one full listing, with and without a delimiter", async () => {
    for (const delimiter of ["", "/"]) {
      const full = model(keys, "", delimiter);
      for (let maxKeys = 1; maxKeys <= 7; maxKeys++) {
        const seen: Entry[] = [];
        let token: string | undefined;
        for (let page = 0; page <= keys.length + 1; page++) {
          const listed = await s3.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              MaxKeys: maxKeys,
              Delimiter: delimiter || undefined,
              ContinuationToken: token,
            }),
          );
          const entries = entriesOf(listed);
          expect(entries.length).toBeLessThanOrEqual(maxKeys);
          expect(listed.KeyCount).toBe(entries.length);
          expect(listed.ContinuationToken).toBe(token);
          seen.push(...entries);
          if (!listed.IsTruncated) {
            expect(listed.NextContinuationToken).toBeUndefined();
            break;
          }
          expect(listed.NextContinuationToken).toBeTruthy();
          token = listed.NextContinuationToken;
        }
        expect({ delimiter, maxKeys, seen }).toEqual({ delimiter, maxKeys, seen: full });
      }
    }
  });

  test("fetch-owner", async () => {
    const without = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2 }));
    expect(without.Contents?.[0]?.Owner).toBeUndefined();
    const withOwner = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2, FetchOwner: true }),
    );
    expect(withOwner.Contents?.[0]?.Owner?.ID).toBeTruthy();
  });

  test("encoding-type=url encodes keys, prefixes and the delimiter echo", async () => {
    const response = await signedFetch(server, `/${bucket}`, {
      query: { "list-type": "2", "encoding-type": "url", delimiter: "/", prefix: "" },
    });
    expect(response.status).toBe(200);
    const xml = await response.text();
    expect(xmlValue(xml, "EncodingType")).toBe("url");
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    const keysOut = xmlValues(xml, "Key").map(decode);
    const prefixesOut = xmlValues(xml, "Prefix")
      .map(decode)
      .filter((p) => p !== "");
    expect(keysOut).toEqual(
      model(keys, "", "/")
        .filter((e) => e.kind === "key")
        .map((e) => e.value),
    );
    expect(prefixesOut).toEqual(
      model(keys, "", "/")
        .filter((e) => e.kind === "prefix")
        .map((e) => e.value),
    );
    expect(xml).toContain("<Key>c%25d</Key>");
    expect(xml).not.toContain("<Key>b c</Key>");
    expect(xml).not.toContain("<Key>e\u00e9</Key>");
    expect(xml).toContain("<Key>a%2Bb</Key>");
  });

  test("the default page is 1000 keys and max-keys above 1000 is capped", async () => {
    const many = uniqueBucket("many");
    await s3.send(new CreateBucketCommand({ Bucket: many }));
    // Files written straight into the bucket directory are objects (docs/on-disk-layout.md).
    mkdirSync(join(server.root, many, "n"), { recursive: true });
    for (let i = 0; i < 1001; i++)
      writeFileSync(join(server.root, many, "n", String(i).padStart(4, "0")), "");
    const first = await s3.send(new ListObjectsV2Command({ Bucket: many, MaxKeys: 5000 }));
    expect(first.Contents?.length).toBe(1000);
    expect(first.IsTruncated).toBe(true);
    expect(first.Contents?.at(-1)?.Key).toBe("n/0999");
    const second = await s3.send(
      new ListObjectsV2Command({ Bucket: many, ContinuationToken: first.NextContinuationToken }),
    );
    expect((second.Contents ?? []).map((c) => c.Key)).toEqual(["n/1000"]);
    expect(second.IsTruncated).toBe(false);
  });

  test("invalid parameters → 400 InvalidArgument; missing bucket → 404 NoSuchBucket", async () => {
    const queries: Record<string, string>[] = [
      { "list-type": "2", "max-keys": "-1" },
      { "list-type": "2", "max-keys": "ten" },
      { "list-type": "2", "continuation-token": "not-a-token-we-issued" },
      { "list-type": "2", "encoding-type": "base64" },
    ];
    for (const query of queries) {
      const response = await signedFetch(server, `/${bucket}`, { query });
      expect({ query, status: response.status, code: errorCodeOf(await response.text()) }).toEqual({
        query,
        status: 400,
        code: "InvalidArgument",
      });
    }
    const failure = await sdkFailure(s3.send(new ListObjectsV2Command({ Bucket: uniqueBucket("none") })));
    expect(failure).toMatchObject({ name: "NoSuchBucket", status: 404 });
  });
});

describe("ListObjects (v1)", () => {
  test("full listing, Owner included, Marker echo", async () => {
    const listed = await s3.send(new ListObjectsCommand({ Bucket: bucket, Marker: "b" }));
    expect((listed.Contents ?? []).map((c) => c.Key)).toEqual(model(keys, "", "", "b").map((e) => e.value));
    expect(listed.Marker).toBe("b");
    expect(listed.Contents?.[0]?.Owner?.ID).toBeTruthy();
  });

  test("paging with every max-keys from 1 to 7; NextMarker whenever truncated with a delimiter", async () => {
    for (const delimiter of ["", "/"]) {
      const full = model(keys, "", delimiter);
      for (let maxKeys = 1; maxKeys <= 7; maxKeys++) {
        const seen: Entry[] = [];
        let marker: string | undefined;
        for (let page = 0; page <= keys.length + 1; page++) {
          const listed = await s3.send(
            new ListObjectsCommand({
              Bucket: bucket,
              MaxKeys: maxKeys,
              Delimiter: delimiter || undefined,
              Marker: marker,
            }),
          );
          const entries = entriesOf(listed);
          expect(entries.length).toBeLessThanOrEqual(maxKeys);
          seen.push(...entries);
          if (!listed.IsTruncated) break;
          if (delimiter) {
            expect(listed.NextMarker).toBe(entries.at(-1)?.value);
            marker = listed.NextMarker;
          } else {
            // Without a delimiter S3 may omit NextMarker; clients continue from the last key.
            marker = listed.NextMarker ?? listed.Contents?.at(-1)?.Key;
          }
        }
        expect({ delimiter, maxKeys, seen }).toEqual({ delimiter, maxKeys, seen: full });
      }
    }
  });
});

describe("ListObjectVersions on an unversioned bucket", () => {
  test("every object is one latest version with VersionId null", async () => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const versions = listed.Versions ?? [];
    expect(versions.map((v) => v.Key)).toEqual(sortedUtf8(keys));
    for (const version of versions) {
      expect(version.VersionId).toBe("null");
      expect(version.IsLatest).toBe(true);
      expect(version.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    }
    expect(listed.DeleteMarkers ?? []).toEqual([]);
    const dir = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "dir/", Delimiter: "/" }),
    );
    expect((dir.Versions ?? []).map((v) => v.Key)).toEqual(["dir/", "dir/two"]);
    expect((dir.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(["dir/sub/"]);
  });

  test("paging by key-marker", async () => {
    const seen: string[] = [];
    let keyMarker: string | undefined;
    for (let page = 0; page <= keys.length; page++) {
      const listed = await s3.send(
        new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 4, KeyMarker: keyMarker }),
      );
      seen.push(...(listed.Versions ?? []).map((v) => v.Key!));
      if (!listed.IsTruncated) break;
      keyMarker = listed.NextKeyMarker;
    }
    expect(seen).toEqual(sortedUtf8(keys));
  });
});

describe("other clients", () => {
  test("AWS CLI: s3 ls --recursive, paginated list-objects and list-objects-v2", async () => {
    const ls = await aws(server, ["s3", "ls", "--recursive", `s3://${bucket}/`]);
    expectOk(ls);
    const listedKeys = ls.stdout
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => line.slice(31));
    expect(sortedUtf8(listedKeys)).toEqual(sortedUtf8(keys));

    const v1 = expectOk(
      await aws(server, ["s3api", "list-objects", "--bucket", bucket, "--page-size", "3"]),
    ) as {
      Contents: { Key: string }[];
    };
    expect(v1.Contents.map((c) => c.Key)).toEqual(sortedUtf8(keys));
    const v2 = expectOk(
      await aws(server, [
        "s3api",
        "list-objects-v2",
        "--bucket",
        bucket,
        "--page-size",
        "2",
        "--delimiter",
        "/",
      ]),
    ) as { Contents: { Key: string }[]; CommonPrefixes: { Prefix: string }[] };
    expect(v2.Contents.map((c) => c.Key)).toEqual(
      model(keys, "", "/")
        .filter((e) => e.kind === "key")
        .map((e) => e.value),
    );
    expect(v2.CommonPrefixes.map((p) => p.Prefix)).toEqual(["a/", "dir/", "zz/", "ü/", "日本/"]);
  });

  test("AWS CLI: s3 sync down reproduces the tree byte for byte", async () => {
    const syncBucket = uniqueBucket("sync");
    await s3.send(new CreateBucketCommand({ Bucket: syncBucket }));
    const files: Record<string, Uint8Array> = {
      "a.txt": new TextEncoder().encode("alpha\n"),
      "nested/deep/b.bin": bytes(70_000, 5),
      "nested/ü space.txt": new TextEncoder().encode("unicode and space"),
      "plus+sign.txt": new TextEncoder().encode("plus"),
      "empty.txt": new Uint8Array(0),
    };
    for (const [key, body] of Object.entries(files)) {
      await s3.send(new PutObjectCommand({ Bucket: syncBucket, Key: key, Body: body }));
    }
    const dir = mkdtempSync(join(tmpdir(), "s3dir-sync-"));
    try {
      expectOk(await aws(server, ["s3", "sync", `s3://${syncBucket}/`, dir]));
      expect(walk(dir).filter((p) => Object.hasOwn(files, p))).toEqual(Object.keys(files).sort());
      for (const [key, body] of Object.entries(files)) {
        expect({ key, same: Buffer.compare(readFileSync(join(dir, key)), Buffer.from(body)) === 0 }).toEqual({
          key,
          same: true,
        });
      }
      // A second sync finds nothing to do.
      const again = await aws(server, ["s3", "sync", `s3://${syncBucket}/`, dir]);
      expectOk(again);
      expect(again.stdout.trim()).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("boto3: paginators (which use encoding-type=url) for v1 with a delimiter and v2", async () => {
    const result = await py(
      server,
      `
      bucket = ${JSON.stringify(bucket)}
      v2 = []
      for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}):
          v2 += [c["Key"] for c in page.get("Contents", [])]
      v1 = []
      for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 2}):
          v1 += [c["Key"] for c in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
      out({"v2": v2, "v1": v1})
      `,
    );
    const json = expectOk(result) as { v2: string[]; v1: string[] };
    expect(json.v2).toEqual(sortedUtf8(keys));
    expect(sortedUtf8(json.v1)).toEqual(model(keys, "", "/").map((e) => e.value));
  });
});
