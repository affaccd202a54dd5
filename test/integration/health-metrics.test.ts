/** What operators and load balancers read: health, readiness, status and Prometheus metrics. */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  s3Client,
  sdkFailure,
  signedFetch,
  startHost,
  testCredentials,
  useHost,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3: client } = useHost({ bucket: false });

/** One HTTP/1.0 request with no Host header, as simple health checkers send it. */
async function withoutHost(path: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let data = "";
    socket.on("data", (d) => {
      data += d;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(data));
    socket.write(`GET ${path} HTTP/1.0\r\n\r\n`);
  });
}

describe("health", () => {
  test("live, ready and status answer unsigned GETs; status says who and how busy", async () => {
    expect(await (await fetch(`${server.endpoint}/health/live`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.endpoint}/health/ready`);
    expect(ready.status).toBe(200);
    const status = (await (await fetch(`${server.endpoint}/health/status`)).json()) as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({ version: "0.1.0", ready: true, reasons: [], rootEncrypted: false });
    expect(status.host).toEndWith(`:${server.port}`);
    expect(status.inFlight).toBeGreaterThanOrEqual(1);
    expect(Date.parse(status.startedAt as string)).toBeLessThanOrEqual(Date.now());
  });

  test("a health check without a Host header is answered, not treated as S3", async () => {
    const response = await withoutHost("/health/ready");
    expect(response).toStartWith("HTTP/1.1 200");
    expect(response).toContain('{"status":"ready"}');
  });

  test("readiness fails with the reason while the root cannot be written, and recovers", async () => {
    const health = join(server.root, ".s3dir", "health");
    const aside = `${health}.aside`;
    renameSync(health, aside);
    writeFileSync(health, "not a directory");
    try {
      expect(
        await waitFor(async () => (await fetch(`${server.endpoint}/health/ready`)).status === 503, 6000),
      ).toBe(true);
      const body = (await (await fetch(`${server.endpoint}/health/ready`)).json()) as { reasons: string[] };
      expect(body.reasons.join(" ")).toContain("root not readable and writable");
    } finally {
      rmSync(health);
      mkdirSync(health);
      rmSync(aside, { recursive: true, force: true });
    }
    expect(
      await waitFor(async () => (await fetch(`${server.endpoint}/health/ready`)).status === 200, 6000),
    ).toBe(true);
  });

  test("above --max-in-flight the host reports itself overloaded", async () => {
    const busy = await startHost({ args: ["--max-in-flight", "1"] });
    try {
      // The readiness request itself is in flight; hold one more open with a slow upload.
      await s3Client(busy).send(new CreateBucketCommand({ Bucket: "busy" }));
      const { AwsClient } = await import("aws4fetch");
      const signer = new AwsClient({ ...testCredentials, service: "s3", region: busy.region });
      const signed = await signer.sign(`${busy.endpoint}/busy/slow`, {
        method: "PUT",
        headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": "1" },
      });
      const slow = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await Bun.sleep(1500);
          controller.enqueue(new Uint8Array(1));
          controller.close();
        },
      });
      const upload = fetch(signed.url, { method: "PUT", headers: signed.headers, body: slow });
      await Bun.sleep(300);
      const ready = await fetch(`${busy.endpoint}/health/ready`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toContain("overloaded");
      expect((await upload).status).toBe(200);
      expect((await fetch(`${busy.endpoint}/health/ready`)).status).toBe(200);
    } finally {
      await busy.stop();
    }
  });
});

describe("metrics", () => {
  test("requests by operation and status, latency histograms and bytes, in Prometheus text", async () => {
    const bucket = "metered";
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x".repeat(1000) }));
    await client.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }));
    await sdkFailure(client.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })));
    const res = await fetch(`${server.endpoint}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('s3dir_requests_total{operation="PutObject",status="200"} 1');
    expect(text).toContain('s3dir_requests_total{operation="GetObject",status="404"} 1');
    expect(text).toMatch(/s3dir_request_duration_seconds_bucket\{operation="GetObject",le="\+Inf"\} 2/);
    expect(text).toContain("# TYPE s3dir_request_duration_seconds histogram");
    const received = Number(/s3dir_received_bytes_total (\d+)/.exec(text)?.[1]);
    const sent = Number(/s3dir_sent_bytes_total (\d+)/.exec(text)?.[1]);
    expect(received).toBeGreaterThanOrEqual(1000);
    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(text).toMatch(/s3dir_requests_in_flight \d+/);
    expect(text).toMatch(/s3dir_audit_spool_events \d+/);
    // Every sample line is "name{labels} number" or "name number".
    for (const line of text.trim().split("\n")) {
      if (!line.startsWith("#")) expect(line).toMatch(/^[a-z0-9_]+(\{[^}]*\})? [0-9.e+-]+$/);
    }
  });

  test("signed requests to /metrics and /health reach S3 buckets of those names", async () => {
    await client.send(new CreateBucketCommand({ Bucket: "metrics" }));
    await client.send(new CreateBucketCommand({ Bucket: "health" }));
    await client.send(new PutObjectCommand({ Bucket: "health", Key: "ready", Body: "an object" }));
    const list = await signedFetch(server, "/metrics");
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("<ListBucketResult");
    const object = await client.send(new GetObjectCommand({ Bucket: "health", Key: "ready" }));
    expect(await object.Body!.transformToString()).toBe("an object");
  });

  test("--metrics off turns the endpoint into plain S3", async () => {
    const quiet = await startHost({ args: ["--metrics", "off"] });
    try {
      const res = await fetch(`${quiet.endpoint}/metrics`);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("<Code>AccessDenied</Code>");
    } finally {
      await quiet.stop();
    }
  });
});

describe("Query protocol dispatch", () => {
  test("only real actions run: Object.prototype names are InvalidAction", async () => {
    const { AwsClient } = await import("aws4fetch");
    const sts = new AwsClient({
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      service: "sts",
      region: server.region,
    });
    for (const action of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
      const res = await sts.fetch(`${server.endpoint}/`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `Action=${action}&Version=2011-06-15`,
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("<Code>InvalidAction</Code>");
    }
  });
});
