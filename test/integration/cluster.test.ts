/**
 * A pool of three `s3dir serve` hosts over one root behind the load balancers shipped in deploy/:
 * nginx (started from deploy/nginx/s3dir.conf) and HAProxy (deploy/haproxy/s3dir.cfg), plus the
 * `s3dir cluster` commands that record the pool and report on it.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  bytes,
  freePort,
  md5Hex,
  repoRoot,
  s3dirCli,
  startHost,
  type TestServer,
  testCredentials,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";
import {
  haproxyBinary,
  haproxyConfig,
  proxyMissing,
  type RunningProxy,
  startNginx,
  startProxy,
} from "../helpers/load-balancer.ts";

setDefaultTimeout(60_000);

let hosts: TestServer[] = [];
let work: string;
let nginx: RunningProxy | undefined;
let haproxy: RunningProxy | undefined;
let client: S3Client;
const bucket = uniqueBucket("pool");
const keys = Array.from({ length: 50 }, (_, i) => `mixed/${String(i).padStart(2, "0")}/object.txt`);

function clientFor(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: {
      accessKeyId: testCredentials.accessKeyId,
      secretAccessKey: testCredentials.secretAccessKey,
    },
  });
}

/** Runs tasks with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
    }),
  );
}

const address = (h: TestServer) => `127.0.0.1:${h.port}`;

beforeAll(async () => {
  const first = await startHost();
  hosts = [first, ...(await Promise.all([startHost({ root: first.root }), startHost({ root: first.root })]))];
  nginx = await startNginx(hosts);
  work = mkdtempSync(join(tmpdir(), "s3dir-lb-"));
  client = clientFor(nginx.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  client?.destroy();
  await haproxy?.stop();
  await nginx?.stop();
  await Promise.all(hosts.slice(1).map((h) => h.stop()));
  await hosts[0]?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("s3dir cluster", () => {
  test("create records the pool in the system directory and status finds every host ready", async () => {
    const created = await s3dirCli(
      hosts[0]!.root,
      "cluster",
      "create",
      "--hosts",
      hosts.map(address).join(","),
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const file = JSON.parse(readFileSync(join(hosts[0]!.root, ".s3dir", "cluster.json"), "utf8"));
    expect(file.hosts).toEqual(hosts.map((h) => ({ address: address(h), scheme: "http" })));

    const status = await s3dirCli(hosts[0]!.root, "cluster", "status", "--json");
    expect(status.code).toBe(0);
    const reports = JSON.parse(status.stdout) as Record<string, unknown>[];
    expect(reports.map((r) => r.address)).toEqual(hosts.map(address));
    for (const r of reports) {
      expect(r).toMatchObject({ reachable: true, ready: true, reasons: [], error: null });
      expect(typeof r.version).toBe("string");
      expect(typeof r.uptimeSeconds).toBe("number");
      expect(typeof r.inFlight).toBe("number");
      expect(Number.isNaN(Date.parse(String(r.startedAt)))).toBe(false);
    }
    const table = await s3dirCli(hosts[0]!.root, "cluster", "status");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^HOST\s+REACHABLE\s+READY\s+VERSION\s+UPTIME\s+IN-FLIGHT/);
    expect(table.stdout).toContain("3 hosts: 3 ready");
  });

  test("wrong input and wrong membership changes fail with a clear message", async () => {
    const root = mkdtempSync(join(tmpdir(), "s3dir-cluster-cli-"));
    try {
      const fails = async (args: string[], message: string | RegExp) => {
        const r = await s3dirCli(root, "cluster", ...args);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(message);
      };
      await fails(["status"], /no cluster is defined/);
      await fails(["host", "add", "10.0.0.1:9000"], /no cluster is defined/);
      await fails(["create"], /usage: s3dir cluster create --hosts/);
      await fails(["create", "--hosts", "10.0.0.1"], /not HOST:PORT/);
      await fails(["create", "--hosts", "10.0.0.1:70000"], /port is 1-65535/);
      await fails(["create", "--hosts", "bad_name:9000"], /not a host name or IP address/);
      await fails(["create", "--hosts", "10.0.0.1:9000", "--scheme", "ftp"], /--scheme is http or https/);
      await fails(["create", "--hosts", "a.example:9000,A.example:9000"], /listed more than once/);
      await fails(["status", "--hosts", "a:1"], /--hosts does not apply/);
      await fails(["frobnicate"], /usage:/);

      const ok = await s3dirCli(root, "cluster", "create", "--hosts", "s3-1.example:9000,[fd00::2]:9000");
      expect(ok.code).toBe(0);
      await fails(["create", "--hosts", "s3-3.example:9000"], /already defined/);
      await fails(["host", "add", "S3-1.example:9000"], /already a member/);
      await fails(["host", "remove", "s3-9.example:9000"], /not a member/);
      await fails(["host", "add"], /usage: s3dir cluster host add/);

      const added = await s3dirCli(
        root,
        "cluster",
        "host",
        "add",
        "s3-3.example:443",
        "--scheme",
        "https",
        "--json",
      );
      expect(added.code).toBe(0);
      expect(JSON.parse(added.stdout).hosts.at(-1)).toEqual({ address: "s3-3.example:443", scheme: "https" });
      const removed = await s3dirCli(root, "cluster", "host", "remove", "[FD00::2]:9000", "--json");
      expect(removed.code).toBe(0);
      expect(JSON.parse(removed.stdout).hosts.map((h: { address: string }) => h.address)).toEqual([
        "s3-1.example:9000",
        "s3-3.example:443",
      ]);
      await s3dirCli(root, "cluster", "host", "remove", "s3-3.example:443");
      await fails(["host", "remove", "s3-1.example:9000"], /last host/);

      // Unreachable members: status still prints every host, and exits 1.
      const status = await s3dirCli(root, "cluster", "status", "--timeout", "1s", "--json");
      expect(status.code).toBe(1);
      expect(JSON.parse(status.stdout)).toMatchObject([
        { address: "s3-1.example:9000", reachable: false, ready: false },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("host add from several processes at once: every host lands", async () => {
    const root = mkdtempSync(join(tmpdir(), "s3dir-cluster-race-"));
    try {
      expect((await s3dirCli(root, "cluster", "create", "--hosts", "10.0.0.1:9000")).code).toBe(0);
      const added = ["10.0.0.2:9000", "10.0.0.3:9000", "10.0.0.4:9000", "10.0.0.5:9000"];
      const results = await Promise.all(added.map((a) => s3dirCli(root, "cluster", "host", "add", a)));
      expect(results.map((r) => [r.code, r.stderr])).toEqual(added.map(() => [0, ""]));
      const file = JSON.parse(readFileSync(join(root, ".s3dir", "cluster.json"), "utf8"));
      expect(file.hosts.map((h: { address: string }) => h.address).sort()).toEqual([
        "10.0.0.1:9000",
        ...added,
      ]);
      expect(file.version).toBe(1 + added.length);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("nginx in front of three hosts (deploy/nginx/s3dir.conf)", () => {
  test("PUT, GET and list 50 objects through the proxy", async () => {
    await pool(keys, 8, async (key) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    });
    await pool(keys, 8, async (key) => {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await got.Body!.transformToString()).toBe(`body of ${key}`);
    });
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "mixed/", MaxKeys: 20, ContinuationToken: token }),
      );
      listed.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(listed).toEqual(keys);
    // Round robin spread the requests: every host served some of them.
    for (const h of hosts) expect(h.accessLog().some((e) => e.operation === "PutObject")).toBe(true);
    // Each request's line in nginx's log carries the score its host answered with.
    const log = readFileSync(join(nginx!.dir!, "access.log"), "utf8");
    expect(log).toMatch(/ score=[01]\.\d{3}\n/);
  });

  test("a multipart upload's parts land on different hosts and complete into one object", async () => {
    const partSize = 5 * 1024 * 1024;
    const parts = [bytes(partSize, 1), bytes(partSize, 2), bytes(partSize, 3), bytes(123_456, 4)];
    const key = "multipart/big.bin";
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) {
      const part = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }),
      );
      etags.push(part.ETag!);
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const whole = new Uint8Array(await got.Body!.transformToByteArray());
    const expected = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      expected.set(p, offset);
      offset += p.length;
    }
    expect(whole.length).toBe(expected.length);
    expect(md5Hex(whole)).toBe(md5Hex(expected));
    const partHosts = hosts.filter((h) =>
      h.accessLog().some((e) => e.operation === "UploadPart" && e.key === key && e.status === 200),
    );
    expect(partHosts.length).toBeGreaterThanOrEqual(2);
  });

  test("a stopped host: nginx routes around it, and cluster status reports it and exits 1", async () => {
    const stopped = hosts[2]!;
    await stopped.stop();
    for (let round = 0; round < 3; round++) {
      await pool(keys.slice(0, 12), 4, async (key) => {
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        expect(await got.Body!.transformToString()).toBe(`body of ${key}`);
      });
    }
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "after-stop.txt", Body: "still here" }));
    // nginx did try the stopped host, and passed each of those requests on to a live one.
    const errors = readFileSync(join(nginx!.dir!, "error.log"), "utf8");
    expect(errors).toMatch(
      new RegExp(`connect\\(\\) failed \\(111: Connection refused\\).*127\\.0\\.0\\.1:${stopped.port}`),
    );

    const status = await s3dirCli(hosts[0]!.root, "cluster", "status", "--json");
    expect(status.code).toBe(1);
    const reports = JSON.parse(status.stdout) as { address: string; reachable: boolean; ready: boolean }[];
    expect(reports.map((r) => [r.address, r.reachable, r.ready])).toEqual([
      [address(hosts[0]!), true, true],
      [address(hosts[1]!), true, true],
      [address(stopped), false, false],
    ]);
    const table = await s3dirCli(hosts[0]!.root, "cluster", "status");
    expect(table.code).toBe(1);
    expect(table.stdout).toContain("3 hosts: 2 ready, 1 unreachable");
  });
});

describe("HAProxy (deploy/haproxy/s3dir.cfg)", () => {
  test("the shipped configuration is valid", async () => {
    if (!haproxyBinary) throw new Error(proxyMissing("haproxy"));
    const check = Bun.spawnSync([haproxyBinary, "-c", "-f", join(repoRoot, "deploy/haproxy/s3dir.cfg")]);
    expect(`${check.stdout}${check.stderr}`).toContain("Configuration file is valid");
    expect(check.exitCode).toBe(0);
  });

  test("it serves through the live hosts with one host down", async () => {
    if (!haproxyBinary) throw new Error(proxyMissing("haproxy"));
    const port = await freePort();
    const file = join(work, "haproxy.cfg");
    writeFileSync(file, haproxyConfig(port, hosts));
    haproxy = await startProxy([haproxyBinary, "-db", "-f", file], port, "haproxy");
    const via = clientFor(haproxy.endpoint);
    try {
      await pool(keys.slice(0, 12), 4, async (key) => {
        const got = await via.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        expect(await got.Body!.transformToString()).toBe(`body of ${key}`);
      });
      const got = await via.send(new GetObjectCommand({ Bucket: bucket, Key: "after-stop.txt" }));
      expect(await got.Body!.transformToString()).toBe("still here");
      // The active health check (GET /health/ready) takes the stopped host out of the pool.
      const down = await waitFor(
        () => haproxy!.output.join("").includes("s3dir/s3dir-3 is DOWN"),
        10_000,
        100,
      );
      expect(down).toBe(true);
      const up = haproxy.output.join("");
      expect(up).not.toContain("s3dir/s3dir-1 is DOWN");
      expect(up).not.toContain("s3dir/s3dir-2 is DOWN");
    } finally {
      via.destroy();
    }
  });
});
