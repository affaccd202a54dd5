/**
 * The root's on-disk format (.s3dir/format.json): compact metadata records only on a root whose
 * hosts all read them, `s3dir format` turning them on and off, hosts following without a restart.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { lGetXattr } from "../../src/runtime/xattr.ts";
import { freePort, s3Client, s3dirCli, startHost, type TestServer, waitFor } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A root as an earlier version leaves it: the system directory, no format file. */
function earlierRoot(formatText?: string): string {
  const root = mkdtempSync(join(tmpdir(), "s3dir-format-"));
  roots.push(root);
  mkdirSync(join(root, ".s3dir"), { mode: 0o700 });
  if (formatText !== undefined)
    writeFileSync(join(root, ".s3dir", "format.json"), formatText, { mode: 0o600 });
  return root;
}

const body = new Uint8Array(4096).fill(7);
const COMPACT = 0xff;
const JSON_START = "{".charCodeAt(0);

async function started(root?: string): Promise<{ server: TestServer; s3: S3Client; bucket: string }> {
  const server = await startHost(root === undefined ? {} : { root });
  const s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: "fmt" }));
  return { server, s3, bucket: "fmt" };
}

/** Puts the key with SDK defaults and returns the first byte of its record. */
async function putAndForm(server: TestServer, s3: S3Client, key: string): Promise<number> {
  await s3.send(new PutObjectCommand({ Bucket: "fmt", Key: key, Body: body }));
  return lGetXattr(`${server.root}/fmt/${key}`, "user.s3dir")![0]!;
}

async function format(root: string, ...args: string[]) {
  return await s3dirCli(root, "format", ...args);
}

const warnings = (server: TestServer, msg: string) =>
  server.logs().filter((line) => line.includes(msg) && line.includes('"warn"')).length;

describe("root format", () => {
  test("a root this version creates gets compact records at once", async () => {
    const { server, s3 } = await started();
    try {
      const file = JSON.parse(readFileSync(join(server.root, ".s3dir", "format.json"), "utf8"));
      expect(file.features).toEqual(["compactRecords"]);
      expect(await putAndForm(server, s3, "fresh")).toBe(COMPACT);
      const status = await format(server.root, "status", "--json");
      expect(JSON.parse(status.stdout)).toMatchObject({ features: ["compact-records"], problem: null });
    } finally {
      await server.stop();
    }
  });

  test("a root set up with the CLI before its first host is new too", async () => {
    const root = mkdtempSync(join(tmpdir(), "s3dir-format-"));
    roots.push(root);
    expect((await s3dirCli(root, "user", "add", "alice")).code).toBe(0);
    const { server, s3 } = await started(root);
    try {
      expect(await putAndForm(server, s3, "fresh")).toBe(COMPACT);
    } finally {
      await server.stop();
    }
  });

  test("a root an earlier version made keeps JSON until the CLI turns compact records on; a running host follows both ways", async () => {
    const root = earlierRoot();
    const { server, s3 } = await started(root);
    try {
      expect(await putAndForm(server, s3, "before")).toBe(JSON_START);
      expect(existsSync(join(root, ".s3dir", "format.json"))).toBe(false);

      const on = await format(root, "enable", "compact-records");
      expect(on.code).toBe(0);
      expect(on.stdout).toContain("compact-records: on");
      expect(
        await waitFor(async () => (await putAndForm(server, s3, "polled")) === COMPACT, 15_000, 200),
      ).toBe(true);
      expect(await putAndForm(server, s3, "compact")).toBe(COMPACT);

      const off = await format(root, "disable", "compact-records");
      expect(off.code).toBe(0);
      expect(
        await waitFor(async () => (await putAndForm(server, s3, "polled")) === JSON_START, 15_000, 200),
      ).toBe(true);
      // Records of either form stay readable whatever the root's setting.
      for (const key of ["before", "compact"]) {
        const head = await s3.send(
          new HeadObjectCommand({ Bucket: "fmt", Key: key, ChecksumMode: "ENABLED" }),
        );
        expect(head.ContentType).toBe("application/octet-stream");
        expect(head.ChecksumCRC32).toBeDefined();
      }
      expect(lGetXattr(`${root}/fmt/compact`, "user.s3dir")![0]).toBe(COMPACT);
    } finally {
      await server.stop();
    }
  });

  test("with a cluster record, enable refuses while a host is unreachable or of an earlier version, unless --force", async () => {
    const root = earlierRoot();
    const { server } = await started(root);
    const closed = await freePort();
    const earlier = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) =>
        new URL(req.url).pathname === "/health/ready"
          ? Response.json({ status: "ready" })
          : Response.json({ host: "old", version: "0.0.9", ready: true, reasons: [] }),
    });
    const cluster = async (...args: string[]) =>
      expect((await s3dirCli(root, "cluster", ...args)).code).toBe(0);
    const formatFile = join(root, ".s3dir", "format.json");
    try {
      await cluster("create", "--hosts", `127.0.0.1:${server.port},127.0.0.1:${closed}`);
      const unreachable = await format(root, "enable", "compact-records");
      expect(unreachable.code).not.toBe(0);
      expect(unreachable.stderr).toContain(`http://127.0.0.1:${closed}: unreachable`);
      expect(unreachable.stderr).not.toContain(`127.0.0.1:${server.port}:`);
      expect(existsSync(formatFile)).toBe(false);

      await cluster("host", "remove", `127.0.0.1:${closed}`);
      await cluster("host", "add", `127.0.0.1:${earlier.port}`);
      const old = await format(root, "enable", "compact-records");
      expect(old.code).not.toBe(0);
      expect(old.stderr).toContain(
        `http://127.0.0.1:${earlier.port}: runs version 0.0.9, which does not read compact-records: upgrade it`,
      );
      expect(existsSync(formatFile)).toBe(false);

      await cluster("host", "remove", `127.0.0.1:${earlier.port}`);
      const upgraded = await format(root, "enable", "compact-records");
      expect(upgraded.code).toBe(0);
      expect(upgraded.stdout).toContain("all 1 host of the cluster read it");

      expect((await format(root, "disable", "compact-records")).code).toBe(0);
      await cluster("host", "add", `127.0.0.1:${closed}`);
      const forced = await format(root, "enable", "compact-records", "--force");
      expect(forced.code).toBe(0);
      expect(JSON.parse(readFileSync(formatFile, "utf8")).features).toEqual(["compactRecords"]);
    } finally {
      earlier.stop(true);
      await server.stop();
    }
  });

  for (const [name, text] of [
    ["garbage", "{not json"],
    ["a later file version", '{"v":2,"features":["compactRecords"]}'],
    ["features that are no list", '{"v":1,"features":"compactRecords"}'],
  ] as const) {
    test(`a format file of ${name}: the host serves, writes JSON records and says so once`, async () => {
      const { server, s3 } = await started(earlierRoot(text));
      try {
        expect(await putAndForm(server, s3, "a")).toBe(JSON_START);
        expect(await putAndForm(server, s3, "b")).toBe(JSON_START);
        expect(warnings(server, "root format file not usable")).toBe(1);
        const status = JSON.parse((await format(server.root, "status", "--json")).stdout);
        expect(status.features).toEqual([]);
        expect(typeof status.problem).toBe("string");
      } finally {
        await server.stop();
      }
    });
  }

  test("features this version does not know are ignored and reported once; the known ones are followed", async () => {
    const root = earlierRoot('{"v":1,"features":["compactRecords","laterThing"]}');
    const { server, s3 } = await started(root);
    try {
      expect(await putAndForm(server, s3, "a")).toBe(COMPACT);
      expect(await putAndForm(server, s3, "b")).toBe(COMPACT);
      expect(warnings(server, "features this host does not know")).toBe(1);
      // Turning compact records off keeps what a later version set.
      expect((await format(root, "disable", "compact-records")).code).toBe(0);
      expect(JSON.parse(readFileSync(join(root, ".s3dir", "format.json"), "utf8")).features).toEqual([
        "laterThing",
      ]);
    } finally {
      await server.stop();
    }
  });
});
