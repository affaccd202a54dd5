/**
 * The audit webhook end to end: real servers, a real receiver that can fail, stall and recover,
 * `s3dir audit-webhook` to switch it, and a host killed with SIGKILL while the receiver is down.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateUserCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import {
  s3Client,
  s3dirCli,
  startHost,
  startServer,
  type TestServer,
  testCredentials,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

type Mode = "ok" | "fail" | "stall";

interface Received {
  authorization: string | null;
  body: string;
}

/** A webhook receiver that answers 200, or 500 ("fail"), or never ("stall"). */
function startReceiver() {
  let mode: Mode = "ok";
  const received: Received[] = [];
  const stalled: (() => void)[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(req) {
      const body = await req.text();
      if (mode === "fail") return new Response("down", { status: 500 });
      if (mode === "stall")
        return await new Promise<Response>((resolve) =>
          stalled.push(() => resolve(new Response("late", { status: 503 }))),
        );
      received.push({ authorization: req.headers.get("authorization"), body });
      return new Response("ok");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/services/collector/event`,
    received,
    set(next: Mode) {
      mode = next;
      for (const release of stalled.splice(0)) release();
    },
    stop() {
      this.set("ok");
      server.stop(true);
    },
  };
}

type AuditEvent = Record<string, unknown> & { requestId: string };

function eventsOf(r: Received): AuditEvent[] {
  if (r.body.startsWith("[")) return JSON.parse(r.body) as AuditEvent[];
  return r.body
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const hec = JSON.parse(line) as { time: number; host: string; source: string; sourcetype: string };
      expect(typeof hec.time).toBe("number");
      expect(hec.source).toBe("s3dir");
      expect(hec.sourcetype).toBe("s3dir:audit");
      return (hec as unknown as { event: AuditEvent }).event;
    });
}

const token = "hec-0123456789-abcdef";
let receiver: ReturnType<typeof startReceiver>;
let root: string;
const servers: TestServer[] = [];

function delivered(): Map<string, AuditEvent> {
  const byId = new Map<string, AuditEvent>();
  for (const r of receiver.received) for (const e of eventsOf(r)) byId.set(e.requestId, e);
  return byId;
}

async function allDelivered(ids: string[], timeoutMs = 10_000): Promise<string[]> {
  await waitFor(() => {
    const got = delivered();
    return ids.every((id) => got.has(id));
  }, timeoutMs);
  const got = delivered();
  return ids.filter((id) => !got.has(id));
}

async function cli(...args: string[]): Promise<string> {
  const result = await s3dirCli(root, "audit-webhook", ...args);
  if (result.code !== 0) throw new Error(`s3dir audit-webhook ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** A host on the shared root; a process when the test kills it. */
async function serve(hostId: string, as: "in-process" | "process" = "in-process"): Promise<TestServer> {
  const start = as === "process" ? startServer : startHost;
  const server = await start({ root, env: { S3DIR_HOST_ID: hostId }, args: ["--access-log", "off"] });
  servers.push(server);
  return server;
}

async function stop(server: TestServer) {
  servers.splice(servers.indexOf(server), 1);
  await server.stop();
}

/** The request id of an SDK call, whether it succeeded or failed. */
async function requestIdOf(call: Promise<{ $metadata: { requestId?: string } }>): Promise<string> {
  try {
    return (await call).$metadata.requestId!;
  } catch (e) {
    return (e as { $metadata: { requestId?: string } }).$metadata.requestId!;
  }
}

/** PUT, GET and LIST one object each; their request ids. */
async function someCalls(client: S3Client, bucket: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(
      await requestIdOf(client.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: `v${i}` }))),
    );
    ids.push(await requestIdOf(client.send(new GetObjectCommand({ Bucket: bucket, Key: `k${i}` }))));
    ids.push(await requestIdOf(client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2 }))));
  }
  expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
  return ids;
}

beforeAll(async () => {
  receiver = startReceiver();
  root = mkdtempSync(join(tmpdir(), "s3dir-audit-"));
});

afterAll(async () => {
  for (const server of servers.splice(0)) await server.stop();
  receiver.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("s3dir audit-webhook", () => {
  test("enable writes a 0600 setting, show masks the token, bad options are refused", async () => {
    const shown = JSON.parse(
      await cli(
        "enable",
        "--url",
        receiver.url,
        "--auth-token",
        token,
        "--batch-size",
        "5",
        "--flush-interval",
        "0.2",
        "--timeout",
        "1",
        "--max-backoff",
        "0.5",
        "--json",
      ),
    );
    expect(shown).toMatchObject({ enabled: true, format: "splunk", batchSize: 5, authToken: "****cdef" });
    const file = join(root, ".s3dir", "audit", "webhook.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).not.toContain(token);
    expect(statSync(join(root, ".s3dir")).mode & 0o777).toBe(0o700);
    const text = await cli("show");
    expect(text).toContain("enabled");
    expect(text).not.toContain(token);
    expect((await cli("show", "--json")).includes(token)).toBe(false);
    const bad = await s3dirCli(root, "audit-webhook", "enable", "--url", "ftp://x", "--json");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--url");
    const badFormat = await s3dirCli(
      root,
      "audit-webhook",
      "enable",
      "--url",
      receiver.url,
      "--format",
      "xml",
    );
    expect(badFormat.code).not.toBe(0);
  });
});

describe("delivery", () => {
  test("every S3, STS and IAM call, denied and failed ones too, arrives as Splunk HEC events without secrets", async () => {
    const server = await serve("audit-host-1");
    const client = s3Client(server);
    const ids = [await requestIdOf(client.send(new CreateBucketCommand({ Bucket: "audited" })))];
    ids.push(...(await someCalls(client, "audited", 2)));
    const missing = await requestIdOf(client.send(new GetObjectCommand({ Bucket: "audited", Key: "nope" })));
    const badKey = s3Client(server, {
      accessKeyId: "NOSUCHKEY0000000001",
      secretAccessKey: "wrong/secret+x",
    });
    const denied = await requestIdOf(badKey.send(new ListObjectsV2Command({ Bucket: "audited" })));
    const anonymous = await fetch(`${server.endpoint}/audited/k0`);
    expect(anonymous.status).toBe(403);
    const anonymousId = anonymous.headers.get("x-amz-request-id")!;
    const sts = new STSClient({
      endpoint: server.endpoint,
      region: server.region,
      credentials: testCredentials,
    });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: "arn:aws:iam::000000000000:role/auditor",
        RoleSessionName: "audit-1",
      }),
    );
    const session = assumed.Credentials!;
    const sessionClient = s3Client(server, {
      accessKeyId: session.AccessKeyId!,
      secretAccessKey: session.SecretAccessKey!,
      sessionToken: session.SessionToken!,
    });
    const sessionCall = await requestIdOf(
      sessionClient.send(new GetObjectCommand({ Bucket: "audited", Key: "k1" })),
    );
    const iam = new IAMClient({
      endpoint: server.endpoint,
      region: server.region,
      credentials: testCredentials,
    });
    const created = await requestIdOf(iam.send(new CreateUserCommand({ UserName: "audited-user" })));
    const again = await requestIdOf(iam.send(new CreateUserCommand({ UserName: "audited-user" })));
    ids.push(missing, denied, anonymousId, assumed.$metadata.requestId!, sessionCall, created, again);

    expect(await allDelivered(ids)).toEqual([]);
    const events = delivered();
    expect(events.get(missing)).toMatchObject({
      status: 404,
      errorCode: "NoSuchKey",
      operation: "GetObject",
    });
    expect(events.get(denied)).toMatchObject({ status: 403, errorCode: "InvalidAccessKeyId" });
    expect(events.get(anonymousId)).toMatchObject({ status: 403, principal: { type: "anonymous" } });
    expect(events.get(assumed.$metadata.requestId!)).toMatchObject({
      operation: "sts:AssumeRole",
      status: 200,
      principal: { type: "root", accessKeyId: testCredentials.accessKeyId },
    });
    expect(events.get(sessionCall)).toMatchObject({
      principal: { type: "session", accessKeyId: session.AccessKeyId },
      bucket: "audited",
      key: "k1",
    });
    expect(events.get(created)).toMatchObject({ operation: "iam:CreateUser", status: 200 });
    expect(events.get(again)).toMatchObject({
      operation: "iam:CreateUser",
      status: 409,
      errorCode: "EntityAlreadyExists",
    });
    const put = [...events.values()].find((e) => e.operation === "PutObject")!;
    expect(put).toMatchObject({
      host: "audit-host-1",
      method: "PUT",
      bucket: "audited",
      status: 200,
      bytesIn: 2,
    });
    expect(put.sourceIp).toBe("127.0.0.1");
    expect(typeof put.durationMs).toBe("number");
    expect(String(put.userAgent)).toContain("aws-sdk");
    expect(receiver.received.every((r) => r.authorization === `Splunk ${token}`)).toBe(true);
    const everything = receiver.received.map((r) => r.body).join("\n");
    for (const secret of [testCredentials.secretAccessKey, session.SecretAccessKey!, session.SessionToken!])
      expect(everything.includes(secret)).toBe(false);
    expect(everything).not.toContain("Signature=");
    expect(everything).not.toContain(token);
    await stop(server);
  });

  test("--format json delivers JSON arrays with a bearer token, followed without a restart", async () => {
    const server = await serve("audit-host-1");
    const client = s3Client(server);
    await cli(
      "enable",
      "--url",
      receiver.url,
      "--auth-token",
      token,
      "--format",
      "json",
      "--batch-size",
      "5",
      "--flush-interval",
      "0.2",
      "--timeout",
      "1",
      "--max-backoff",
      "0.5",
    );
    const before = receiver.received.length;
    // Hosts re-stat the setting about once a second.
    expect(
      await waitFor(async () => {
        await someCalls(client, "audited", 1);
        await Bun.sleep(300);
        return receiver.received.slice(before).some((r) => r.body.startsWith("["));
      }, 8000),
    ).toBe(true);
    const ids = await someCalls(client, "audited", 2);
    expect(await allDelivered(ids)).toEqual([]);
    const last = receiver.received.at(-1)!;
    expect(last.body.startsWith("[")).toBe(true);
    expect(last.authorization).toBe(`Bearer ${token}`);
    await stop(server);
  });
});

describe("weka and minio receivers", () => {
  test("--layout minio sends MinIO's fields; a token written `Splunk <token>` is sent as given", async () => {
    const server = await serve("audit-host-minio");
    const client = s3Client(server);
    await client.send(new CreateBucketCommand({ Bucket: "audited-minio" }));
    await cli(
      "enable",
      "--url",
      receiver.url,
      "--auth-token",
      `Splunk ${token}`,
      "--layout",
      "minio",
      "--batch-size",
      "100",
      "--flush-interval",
      "0.2",
    );
    const isMinio = (r: Received) => r.body.includes('"requestID"');
    const before = receiver.received.length;
    expect(
      await waitFor(async () => {
        await someCalls(client, "audited-minio", 1);
        await Bun.sleep(300);
        return receiver.received.slice(before).some(isMinio);
      }, 8000),
    ).toBe(true);
    const id = await requestIdOf(
      client.send(new PutObjectCommand({ Bucket: "audited-minio", Key: "dir/obj", Body: "x" })),
    );
    const entryOf = () =>
      receiver.received
        .filter(isMinio)
        .flatMap((r) => eventsOf(r) as unknown as Record<string, unknown>[])
        .find((e) => e.requestID === id);
    expect(await waitFor(() => entryOf() !== undefined, 8000)).toBe(true);
    const entry = entryOf()! as Record<string, unknown> & { api: Record<string, unknown> };
    expect(entry).toMatchObject({ version: "1", remotehost: expect.any(String), trigger: "incoming" });
    expect(typeof entry.deploymentid).toBe("string");
    expect(entry.api).toMatchObject({
      name: "PutObject",
      bucket: "audited-minio",
      object: "dir/obj",
      statusCode: 200,
      status: "OK",
    });
    expect(entry.api.timeToResponse).toMatch(/^\d+ns$/);
    expect(entry.requestHeader).toBeObject();
    expect(entry.responseHeader).toBeObject();
    expect(receiver.received.filter(isMinio).at(-1)!.authorization).toBe(`Splunk ${token}`);
    await stop(server);
  });

  test("batch-config --count --size --time changes batching on a running host", async () => {
    const server = await serve("audit-host-batch");
    const client = s3Client(server);
    await client.send(new CreateBucketCommand({ Bucket: "audited-batch" }));
    await cli(
      "enable",
      "--url",
      receiver.url,
      "--format",
      "json",
      "--batch-size",
      "1000",
      "--flush-interval",
      "0.2",
    );
    await someCalls(client, "audited-batch", 1);
    // A long wait for partial batches, so that only a full batch (by count) is sent at once.
    const shown = await cli("batch-config", "--count", "3", "--time", "60s", "--json");
    expect(JSON.parse(shown)).toMatchObject({ batchSize: 3, flushIntervalMs: 60_000 });
    const arrays = () => receiver.received.filter((r) => r.body.startsWith("[")).map((r) => eventsOf(r));
    await Bun.sleep(1500); // hosts re-stat the setting about once a second
    const before = arrays().length;
    await someCalls(client, "audited-batch", 2);
    expect(await waitFor(() => arrays().length > before, 8000)).toBe(true);
    for (const batch of arrays().slice(before)) expect(batch.length).toBe(3);
    const sized = await cli("batch-config", "--size", "1", "--time", "0.2s", "--json");
    expect(JSON.parse(sized)).toMatchObject({ batchMaxBytes: 1, batchSize: 3, flushIntervalMs: 200 });
    await Bun.sleep(1500);
    const mark = arrays().length;
    const ids = await someCalls(client, "audited-batch", 1);
    expect(await allDelivered(ids)).toEqual([]);
    // One byte per request at most: every event travels alone.
    for (const batch of arrays().slice(mark)) expect(batch.length).toBe(1);
    await stop(server);
  });
});

describe("failures", () => {
  test("a host killed with SIGKILL while the receiver is down loses no answered call", async () => {
    const first = await serve("pinned-host", "process");
    const client = s3Client(first);
    receiver.set("fail");
    const ids = await someCalls(client, "audited", 4);
    receiver.set("stall");
    ids.push(...(await someCalls(client, "audited", 3)));
    const denied = s3Client(first, { accessKeyId: "NOSUCHKEY0000000001", secretAccessKey: "x" });
    ids.push(await requestIdOf(denied.send(new ListObjectsV2Command({ Bucket: "audited" }))));
    await Bun.sleep(1200); // let the shipper fail and time out at least once
    servers.splice(servers.indexOf(first), 1);
    await first.kill("SIGKILL");
    expect(delivered().has(ids.at(-1)!)).toBe(false);

    receiver.set("fail");
    const second = await serve("pinned-host");
    const later = await someCalls(s3Client(second), "audited", 1);
    receiver.set("ok");
    expect(await allDelivered([...ids, ...later], 15_000)).toEqual([]);
    await stop(second);
  });

  test("a full spool logs one loud line, drops new events and keeps serving", async () => {
    await cli(
      "enable",
      "--url",
      receiver.url,
      "--batch-size",
      "5",
      "--flush-interval",
      "0.2",
      "--timeout",
      "1",
      "--max-backoff",
      "0.5",
      "--spool-max-bytes",
      "4k",
    );
    const server = await serve("small-spool");
    receiver.set("fail");
    const client = s3Client(server);
    const ids = await someCalls(client, "audited", 8);
    expect(ids.length).toBe(24);
    expect(await waitFor(() => server.logs().some((l) => l.includes("AUDIT SPOOL FULL")), 3000)).toBe(true);
    expect(server.logs().filter((l) => l.includes("AUDIT SPOOL FULL")).length).toBe(1);
    const full = JSON.parse(server.logs().find((l) => l.includes("AUDIT SPOOL FULL"))!);
    expect(full).toMatchObject({ level: "error", hostId: "small-spool", spoolMaxBytes: 4096 });
    receiver.set("ok");
    expect(
      await waitFor(() => server.logs().some((l) => l.includes("audit spool has room again")), 10_000),
    ).toBe(true);
    // The first calls fitted and are delivered; calls after recovery are delivered again.
    expect(await allDelivered(ids.slice(0, 3))).toEqual([]);
    expect(await allDelivered(await someCalls(client, "audited", 1))).toEqual([]);
    await stop(server);
  });

  test("disable stops delivery on running hosts; show says so", async () => {
    const server = await serve("audit-host-1");
    await cli("disable");
    expect(JSON.parse(await cli("show", "--json"))).toMatchObject({ enabled: false });
    await Bun.sleep(1500);
    const before = receiver.received.length;
    const ids = await someCalls(s3Client(server), "audited", 2);
    await Bun.sleep(800);
    expect(receiver.received.length).toBe(before);
    expect([...delivered().keys()].some((id) => ids.includes(id))).toBe(false);
    await stop(server);
  });
});

describe("upgrade", () => {
  test("a setting with a plain-text token from an older version is shown, used, and sealed by a host", async () => {
    const file = join(root, ".s3dir", "audit", "webhook.json");
    const legacy = { enabled: true, url: receiver.url, authToken: token, batchSize: 5, flushIntervalMs: 200 };
    writeFileSync(file, JSON.stringify(legacy), { mode: 0o600 });
    expect(JSON.parse(await cli("show", "--json"))).toMatchObject({ enabled: true, authToken: "****cdef" });
    const server = await serve("legacy-token-host");
    expect(readFileSync(file, "utf8")).not.toContain(token);
    expect(JSON.parse(await cli("show", "--json"))).toMatchObject({ enabled: true, authToken: "****cdef" });
    const before = receiver.received.length;
    const ids = await someCalls(s3Client(server), "legacy-token", 2);
    expect(await allDelivered(ids)).toEqual([]);
    expect(receiver.received.slice(before).every((r) => r.authorization === `Splunk ${token}`)).toBe(true);
    await stop(server);
  });
});
