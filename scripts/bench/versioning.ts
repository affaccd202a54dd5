/**
 * Versioning costs, on this machine:
 * `bun scripts/bench/versioning.ts [--seconds 5] [--rounds 3] [--only put|list] [--async-io]`.
 *
 * - PUT 4 KiB at c=16 into a versioned bucket against an unversioned one, both overwriting the
 *   same 2,000 keys over and over (every versioned PUT keeps the version it replaces); rounds
 *   alternate between the two, the best of each is kept.
 * - A full ListObjectVersions walk (pages of 1,000) over 10,000 keys × 3 versions against a full
 *   ListObjectsV2 walk over 10,000 keys; best of 5 warm walks each, over HTTP and, first, in this
 *   process straight through the storage layer (no HTTP), which is quicker to iterate on.
 *
 * The objects are written through the storage layer in this process (not timed), then served by
 * a `bun src/main.ts serve` child (fsync off, access log on, as scripts/bench.ts runs it).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPosixStore } from "../../src/storage/index.ts";
import { cleanupNow, installCleanup, trackPath } from "./cleanup.ts";
import { keyNames, presign } from "./fixtures.ts";
import { startS3dir } from "./servers.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
    "async-io": { type: "boolean", default: false },
  },
});
if (values.only && values.only !== "put" && values.only !== "list")
  throw new Error("--only takes put or list");
const runPut = values.only !== "list";
const runList = values.only !== "put";
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = 16;
const putKeys = 2000;
const listKeys = 10_000;
const listVersions = 3;

installCleanup();
// Beside the repository, as scripts/bench.ts works (file creation in /tmp is far slower here).
const benchDir = join(import.meta.dir, "..", "..", ".bench");
mkdirSync(benchDir, { recursive: true });
const root = trackPath(mkdtempSync(join(benchDir, "versioning-")));

type Store = Awaited<ReturnType<typeof createPosixStore>>;

async function fill(
  store: Store,
  bucket: string,
  versioned: boolean,
  keys: string[],
  versions: number,
): Promise<void> {
  await store.createBucket(bucket);
  if (versioned) await store.putBucketVersioning(bucket, "Enabled");
  const body = new Uint8Array(100);
  for (let v = 0; v < versions; v++) {
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(
        keys.slice(i, i + 64).map((key) =>
          store.putObject({
            bucket,
            key,
            body: new Blob([body]).stream(),
            attributes: { userMetadata: {} },
            verify: { expectedSize: body.byteLength },
          }),
        ),
      );
    }
  }
}

/** PUTs 4 KiB bodies at `concurrency` for `seconds`, cycling through the presigned URLs; req/s. */
async function putRate(urls: string[]): Promise<number> {
  const body = new Uint8Array(4096).fill(120);
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const url = urls[next++ % urls.length]!;
      const res = await fetch(url, { method: "PUT", body, headers: { "content-length": "4096" } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`PUT ${res.status}`);
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - start) / 1000);
}

/** Walks a whole listing page by page; returns ms and the number of entries seen. */
async function walk(
  origin: string,
  bucket: string,
  versions: boolean,
): Promise<{ ms: number; entries: number }> {
  const start = performance.now();
  let entries = 0;
  let markers = "";
  for (let page = 0; page < 1000; page++) {
    const query = versions ? `versions=&max-keys=1000${markers}` : `list-type=2&max-keys=1000${markers}`;
    const res = await fetch(await presign("GET", origin, `/${bucket}?${query}`));
    const xml = await res.text();
    if (!res.ok) throw new Error(`list ${res.status} ${xml.slice(0, 200)}`);
    entries += xml.match(/<Key>/g)?.length ?? 0;
    if (!xml.includes("<IsTruncated>true</IsTruncated>")) break;
    const value = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? "";
    markers = versions
      ? `&key-marker=${encodeURIComponent(value("NextKeyMarker"))}&version-id-marker=${value("NextVersionIdMarker")}`
      : `&continuation-token=${encodeURIComponent(value("NextContinuationToken"))}`;
  }
  return { ms: performance.now() - start, entries };
}

/** The same walks in this process, through the storage layer; ms and entries seen. */
async function storageWalk(store: Store, bucket: string, versions: boolean) {
  const start = performance.now();
  let entries = 0;
  let keyMarker = "";
  let versionIdMarker = "";
  for (let page = 0; page < 1000; page++) {
    const shape = { bucket, prefix: "", delimiter: "", maxKeys: 1000 };
    if (versions) {
      const r = await store.listObjectVersions({ ...shape, keyMarker, versionIdMarker });
      entries += r.versions.length;
      if (!r.isTruncated) break;
      keyMarker = r.nextKeyMarker ?? "";
      versionIdMarker = r.nextVersionIdMarker ?? "";
    } else {
      const r = await store.list({ ...shape, after: keyMarker });
      entries += r.objects.length;
      if (!r.isTruncated) break;
      keyMarker = r.lastReturned ?? "";
    }
  }
  return { ms: performance.now() - start, entries };
}

/** Best of 5 warm walks of each listing (the first walk of each warms the caches). */
async function bestWalks(
  run: (bucket: string, versions: boolean) => Promise<{ ms: number; entries: number }>,
): Promise<{ plain: number; versions: number }> {
  const lists = { plain: [] as number[], versions: [] as number[] };
  for (let r = 0; r < 6; r++) {
    const p = await run("list-plain", false);
    const v = await run("list-versioned", true);
    if (p.entries !== listKeys) throw new Error(`plain listing saw ${p.entries} keys`);
    if (v.entries !== listKeys * listVersions) throw new Error(`version listing saw ${v.entries} entries`);
    if (r > 0) {
      lists.plain.push(p.ms);
      lists.versions.push(v.ms);
    }
  }
  return { plain: Math.min(...lists.plain), versions: Math.min(...lists.versions) };
}

async function main(): Promise<void> {
  console.log(`filling ${root} …`);
  const hot = keyNames("hot", putKeys);
  // --async-io: the in-process walks use the async calls meant for network filesystems.
  const store = await createPosixStore({
    root,
    fsync: false,
    cleanStaleTemps: false,
    syncMetadataIo: !values["async-io"],
  });
  if (runPut) {
    await fill(store, "put-plain", false, [], 0);
    await fill(store, "put-versioned", true, [], 0);
  }
  let inProcess: { plain: number; versions: number } | undefined;
  if (runList) {
    await fill(store, "list-plain", false, keyNames("file", listKeys), 1);
    await fill(store, "list-versioned", true, keyNames("file", listKeys), listVersions);
    inProcess = await bestWalks((bucket, versions) => storageWalk(store, bucket, versions));
  }

  const server = await startS3dir({
    root,
    fsync: false,
    accessLog: true,
    logFile: join(root, "server.log"),
    label: "s3dir",
  });
  try {
    const rows: string[] = [];
    if (runPut) {
      const urls = async (bucket: string) =>
        await Promise.all(hot.map((key) => presign("PUT", server.origin, `/${bucket}/${key}`)));
      const plainUrls = await urls("put-plain");
      const versionedUrls = await urls("put-versioned");
      const plain: number[] = [];
      const versioned: number[] = [];
      for (let r = 0; r < rounds; r++) {
        plain.push(await putRate(plainUrls));
        versioned.push(await putRate(versionedUrls));
        console.log(
          `round ${r + 1}: unversioned ${plain.at(-1)!.toFixed(0)} PUT/s, versioned ${versioned.at(-1)!.toFixed(0)} PUT/s`,
        );
      }
      const bestPlain = Math.max(...plain);
      const bestVersioned = Math.max(...versioned);
      rows.push(
        `| PUT 4 KiB, c=${concurrency}, versioned bucket | ${bestVersioned.toFixed(0)} req/s | unversioned ${bestPlain.toFixed(0)} req/s | ${(bestVersioned / bestPlain).toFixed(2)}× | ≥ 0.8× |`,
      );
    }
    if (inProcess) {
      const http = await bestWalks((bucket, versions) => walk(server.origin, bucket, versions));
      const row = (label: string, best: { plain: number; versions: number }) =>
        `| ListObjectVersions, ${listKeys} keys × ${listVersions} versions${label} | ${best.versions.toFixed(0)} ms | ListObjectsV2 of ${listKeys} keys ${best.plain.toFixed(0)} ms | ${(best.versions / best.plain).toFixed(2)}× | < 3× |`;
      rows.push(
        row("", http),
        row(`, storage layer only${values["async-io"] ? ", async calls" : ""}`, inProcess),
      );
    }
    console.log("");
    console.log("| case | result | against | ratio | target |");
    console.log("| --- | --- | --- | --- | --- |");
    for (const r of rows) console.log(r);
  } finally {
    await server.stop();
  }
}

try {
  await main();
} finally {
  cleanupNow();
  rmSync(root, { recursive: true, force: true });
}
