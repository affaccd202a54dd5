/** `s3dir serve --workers N`: several processes on one port, answering as one host. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync } from "node:fs";
import { hostname } from "node:os";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { auditPaths } from "../../src/audit/audit-paths.ts";
import { rawRequest, s3Client, startServer, type TestServer, waitFor } from "../helpers/index.ts";

setDefaultTimeout(30_000);

/** The pids of a process's children (the supervisor's workers). */
function childrenOf(pid: number): number[] {
  const result = Bun.spawnSync(["pgrep", "-P", String(pid)]);
  return result.stdout.toString().split("\n").filter(Boolean).map(Number).sort();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts `s3dir serve --workers 2 ARGS` and waits until both workers listen (the first is ready before). */
async function startWorkers(args: string[] = []): Promise<TestServer> {
  const started = await startServer({ args: ["--workers", "2", ...args] });
  const up = await waitFor(
    () => started.logs().some((l) => l.includes('"msg":"every worker listening"')),
    20_000,
  );
  if (!up) throw new Error(`the second worker did not start:\n${started.logs().join("\n")}`);
  return started;
}

/** The value of one sample of the Prometheus text, e.g. `s3dir_requests_total{operation="PutObject",status="200"}`. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** A scrape on a fresh connection, so that scrapes reach every worker. */
async function scrape(server: TestServer): Promise<string> {
  const response = await rawRequest(server, { target: "/metrics" });
  expect(response.status).toBe(200);
  return response.body;
}

const bucket = "workers";
const objects = 40;
const putSeries = 's3dir_requests_total{operation="PutObject",status="200"}';
let server: TestServer;

beforeAll(async () => {
  server = await startWorkers(["--access-log", "off"]);
  await s3Client(server).send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  await server?.stop();
});

describe("--workers 2", () => {
  test("PUT, GET and LIST are answered by both workers, each on a fresh connection", async () => {
    expect(childrenOf(server.pid)).toHaveLength(2);
    const answeredBy = new Set<string>();
    for (let i = 0; i < objects; i++) {
      // A client of its own for each request: a new connection, which the kernel gives to either worker.
      const put = await s3Client(server).send(
        new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: `body ${i}` }),
      );
      answeredBy.add(put.$metadata.extendedRequestId!);
      const got = await s3Client(server).send(new GetObjectCommand({ Bucket: bucket, Key: `k${i}` }));
      expect(await got.Body!.transformToString()).toBe(`body ${i}`);
      answeredBy.add(got.$metadata.extendedRequestId!);
    }
    const listed = await s3Client(server).send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.KeyCount).toBe(objects);
    for (let i = 0; i < 20; i++) {
      const head = await rawRequest(server, { method: "HEAD", target: `/${bucket}/k${i}`, sign: true });
      expect(head.status).toBe(200);
      answeredBy.add(head.headers.get("x-amz-id-2")!);
    }
    expect(answeredBy.size).toBe(2);
  });

  test("/metrics reports the whole host from whichever worker answers", async () => {
    const totals = new Set<number>();
    for (let i = 0; i < 10; i++) totals.add(sample(await scrape(server), putSeries));
    expect([...totals]).toEqual([objects]);
    const text = await scrape(server);
    expect(sample(text, 's3dir_request_duration_seconds_count{operation="PutObject"}')).toBe(objects);
    expect(sample(text, "s3dir_received_bytes_total")).toBeGreaterThan(0);
  });

  test("a killed worker is replaced, the host keeps serving and no counter goes back", async () => {
    const before = childrenOf(server.pid);
    const shown = sample(await scrape(server), putSeries);
    process.kill(before[0]!, "SIGKILL");
    expect(await waitFor(() => !alive(before[0]!), 5000)).toBe(true);
    // The other worker answers meanwhile.
    const got = await s3Client(server).send(new GetObjectCommand({ Bucket: bucket, Key: "k0" }));
    expect(await got.Body!.transformToString()).toBe("body 0");
    expect(await waitFor(() => childrenOf(server.pid).length === 2, 10_000, 100)).toBe(true);
    expect(childrenOf(server.pid)).not.toContain(before[0]);
    expect(server.logs().some((l) => l.includes("worker exited unexpectedly"))).toBe(true);
    for (let i = 0; i < 6; i++) expect(sample(await scrape(server), putSeries)).toBeGreaterThanOrEqual(shown);
    await s3Client(server).send(new PutObjectCommand({ Bucket: bucket, Key: "after", Body: "x" }));
    expect(sample(await scrape(server), putSeries)).toBeGreaterThan(shown);
  });

  test("each worker keeps an audit spool of its own, named by its slot, which its replacement takes over", () => {
    // Two slots, two spools, across the kill and replacement above: no per-process spool was needed.
    expect(readdirSync(auditPaths(server.root).spools).sort()).toEqual([
      `${hostname()}_${server.port}`,
      `${hostname()}_${server.port}_w1`,
    ]);
    expect(server.logs().filter((l) => l.includes("audit spool in use"))).toEqual([]);
  });

  test("the per-host in-flight limit is split among the workers", async () => {
    const other = await startWorkers(["--max-in-flight", "5"]);
    try {
      const limits = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const ready = await rawRequest(other, { target: "/health/ready?format=json" });
        limits.add(
          (JSON.parse(ready.body) as { parts: { inFlight: { limit: number } } }).parts.inFlight.limit,
        );
      }
      expect([...limits].sort()).toEqual([2, 3]);
    } finally {
      await other.stop();
    }
  });

  test("SIGTERM to the supervisor stops every worker", async () => {
    const other = await startWorkers();
    const workers = childrenOf(other.pid);
    expect(workers).toHaveLength(2);
    await other.stop();
    expect(workers.filter(alive)).toEqual([]);
    expect(other.logs().filter((l) => l.includes('"msg":"stopped"'))).toHaveLength(2);
  });

  test("several workers need Bun: on the Node runtime it is a usage error", () => {
    const result = Bun.spawnSync(
      [process.execPath, "src/main.ts", "serve", "--runtime", "node", "--workers", "2", "--port", "0"],
      { stderr: "pipe", stdout: "pipe" },
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr.toString()).toContain("--workers 2: several workers need Bun");
  });
});
