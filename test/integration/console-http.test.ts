/**
 * The web console as HTTP: the page and its hashed assets under /_console/ with a strict CSP,
 * no framing, no sniffing, long caching for hashed names, gzip, a first load under 200 KB
 * compressed; `--console off` leaves /_console/ to S3 (where no bucket can have that name).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { AwsClient } from "aws4fetch";
import { adminProofBody } from "../../src/console/app/admin-proof.ts";
import { buildConsole } from "../../src/console/server/console-build.ts";
import {
  type Credentials,
  freePort,
  presignUrl,
  s3Client,
  s3dirCli,
  startHost,
  type TestServer,
  testCredentials,
  uniqueBucket,
  virtualHostClient,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

describe("console over HTTP", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startHost();
  });
  afterAll(() => server?.stop());

  test("the page: strict CSP, no framing, no sniffing, revalidated, the region and hashed assets named", async () => {
    const redirect = await fetch(`${server.endpoint}/_console`, { redirect: "manual" });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/_console/");
    const page = await fetch(`${server.endpoint}/_console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const html = await page.text();
    expect(html).toContain(`<meta name="s3dir-region" content="${server.region}">`);
    expect(html).not.toMatch(/<script>|<style>|\son\w+=/);
    const assets = [...html.matchAll(/"\/_console\/assets\/(console-[0-9a-f]{12}\.(?:js|css))"/g)].map(
      (m) => m[1],
    );
    expect(assets).toHaveLength(2);
  });

  test("hashed assets are immutable and gzip-compressed; the first load stays under 200 KB", async () => {
    const html = await (await fetch(`${server.endpoint}/_console/`)).text();
    let compressed = html.length;
    for (const [, name] of html.matchAll(/"\/_console\/assets\/([^"]+)"/g)) {
      const response = await fetch(`${server.endpoint}/_console/assets/${name}`, {
        headers: { "accept-encoding": "gzip" },
        decompress: false,
      } as RequestInit);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(response.headers.get("content-encoding")).toBe("gzip");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
      compressed += (await response.arrayBuffer()).byteLength;
    }
    expect(compressed).toBeLessThan(200 * 1024);
    const missing = await fetch(`${server.endpoint}/_console/assets/console-000000000000.js`);
    expect(missing.status).toBe(404);
    const post = await fetch(`${server.endpoint}/_console/`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  test("the cluster view names this host when no cluster is defined", async () => {
    const view = (await (await fetch(`${server.endpoint}/_console/api/cluster`)).json()) as {
      hosts: { ready: boolean; version: string }[];
      root: { freeBytes: number };
    };
    expect(view.hosts).toHaveLength(1);
    expect(view.hosts[0]?.ready).toBe(true);
    expect(view.root.freeBytes).toBeGreaterThan(0);
  });
});

describe("bucket usage for the console", () => {
  let server: TestServer;
  const quoted = uniqueBucket("usage");
  const plain = uniqueBucket("plain");
  beforeAll(async () => {
    server = await startHost();
    expect((await s3dirCli(server.root, "bucket", "create", quoted, "--hard-quota", "10MiB")).code).toBe(0);
    const s3 = s3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    await s3.send(new PutObjectCommand({ Bucket: quoted, Key: "one", Body: new Uint8Array(1024 * 1024) }));
    s3.destroy();
  });
  afterAll(() => server?.stop());

  const usage = (bucket: string, proof?: string) =>
    fetch(`${server.endpoint}/_console/api/usage?bucket=${bucket}`, {
      headers: proof === undefined ? {} : { "x-s3dir-proof": new URL(proof).search },
    });
  const proofFor = (bucket: string, credentials: Credentials = testCredentials) =>
    presignUrl(server, `/${bucket}`, { method: "HEAD", expiresIn: 60, credentials });

  test("used and hard quota, to a principal whose presigned HeadBucket of the bucket succeeds", async () => {
    let body: unknown;
    expect(
      await waitFor(async () => {
        body = await (await usage(quoted, await proofFor(quoted))).json();
        return (body as { used: number }).used === 1024 * 1024;
      }, 5000),
    ).toBe(true);
    expect(body).toEqual({ bucket: quoted, used: 1024 * 1024, hard: 10 * 1024 * 1024 });
    expect(await (await usage(plain, await proofFor(plain))).json()).toEqual({
      bucket: plain,
      used: null,
      hard: null,
    });
  });

  test("refused without a proof, with another bucket's proof, with an unknown key", async () => {
    expect((await usage(quoted)).status).toBe(400);
    expect((await usage(quoted, await proofFor(plain))).status).toBe(403);
    const stranger = { accessKeyId: "AKIAUNKNOWNKEY000001", secretAccessKey: "x".repeat(40) };
    expect((await usage(quoted, await proofFor(quoted, stranger))).status).toBe(403);
    expect((await fetch(`${server.endpoint}/_console/api/usage?bucket=..%2Fx`)).status).toBe(400);
  });
});

describe("host settings for the console's admin pages", () => {
  let server: TestServer;
  let reader: Credentials;
  const token = "Splunk hec-secret-0123456789";
  beforeAll(async () => {
    server = await startHost({ args: ["--sts-max-duration", "2h"] });
    const cli = async (...args: string[]) => {
      const result = await s3dirCli(server.root, ...args);
      if (result.code !== 0) throw new Error(`s3dir ${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    };
    await cli("user", "add", "console-reader", "--role", "s3");
    await cli("policy", "attach", "readonly", "console-reader");
    reader = JSON.parse(await cli("key", "create", "console-reader", "--json")) as Credentials;
    await cli(
      ...["audit-webhook", "enable", "--url", "http://hook-user:hook-pass@127.0.0.1:9/collect?k=v"],
      ...["--auth-token", token, "--format", "json", "--batch-size", "7"],
    );
  });
  afterAll(() => server?.stop());

  const proofOf = async (credentials: Credentials) => {
    const client = new AwsClient({ ...credentials, service: "iam", region: server.region });
    const signed = await client.sign(`${server.endpoint}/?X-Amz-Expires=60`, {
      method: "POST",
      body: adminProofBody,
      aws: { signQuery: true },
    });
    return new URL(signed.url).search;
  };
  const settings = (proof?: string) =>
    fetch(`${server.endpoint}/_console/api/admin`, {
      headers: proof === undefined ? {} : { "x-s3dir-proof": proof },
    });

  test("an admin sees the STS limit and the webhook's state and spool, never its token or password", async () => {
    const res = await settings(await proofOf(testCredentials));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    expect(text).not.toContain("hec-secret");
    expect(text).not.toContain("hook-pass");
    expect(text).not.toContain("hook-user");
    const body = JSON.parse(text);
    expect(body.sts).toEqual({ maxDurationSeconds: 7200 });
    expect(body.audit).toMatchObject({
      enabled: true,
      url: "http://127.0.0.1:9/collect",
      format: "json",
      layout: "s3dir",
      batch: { count: 7, maxBytes: null },
    });
    expect(typeof body.audit.eventsPending).toBe("number");
  });

  test("every host's audit spool is listed with its backlog, read from the shared root", async () => {
    const second = await startHost({ root: server.root, env: { S3DIR_HOST_ID: "second-host" } });
    try {
      // The webhook cannot be reached, so what the second host records stays in its spool.
      for (let i = 0; i < 3; i++) await (await fetch(`${second.endpoint}/no-such-bucket`)).arrayBuffer();
      const body = JSON.parse(await (await settings(await proofOf(testCredentials))).text());
      const spools = body.audit.spools as { spool: string; own: boolean; bytesPending: number }[];
      const other = spools.find((s) => s.spool === "second-host");
      expect(other?.own).toBe(false);
      expect(other?.bytesPending).toBeGreaterThan(0);
      expect(spools.filter((s) => s.own)).toHaveLength(1);
      expect(spools.find((s) => s.own)?.spool).not.toBe("second-host");
    } finally {
      await second.stop();
    }
  });

  test("refused to a non-admin, to an anonymous caller and to an unknown key", async () => {
    expect((await settings(await proofOf(reader))).status).toBe(403);
    expect((await settings()).status).toBe(403);
    expect((await settings("?Action=ListUsers")).status).toBe(403);
    const stranger = { accessKeyId: "AKIAUNKNOWNKEY000001", secretAccessKey: "x".repeat(40) };
    expect((await settings(await proofOf(stranger))).status).toBe(403);
  });
});

test("--console off: /_console/ is not served", async () => {
  const server = await startHost({ args: ["--console", "off"] });
  try {
    const response = await fetch(`${server.endpoint}/_console/`);
    expect(response.status).not.toBe(200);
    expect(response.headers.get("content-security-policy")).toBeNull();
  } finally {
    await server.stop();
  }
});

test("--console-port serves the host, console included, on a second port; not with --console off", async () => {
  const port = await freePort();
  const server = await startHost({ process: true, args: ["--console-port", String(port)] });
  try {
    const page = await fetch(`http://127.0.0.1:${port}/_console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
  } finally {
    await server.stop();
  }
  const refused = await s3dirCli(server.root, "serve", "--console", "off", "--console-port", String(port));
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain("--console-port serves the console");
});

test("a Node.js host serves the console that the install step built", async () => {
  await buildConsole(); // what `npm install` runs (postinstall)
  const server = await startHost({ runtime: "node" });
  try {
    const page = await fetch(`${server.endpoint}/_console/`);
    expect(page.status).toBe(200);
    const script = /"\/_console\/assets\/(console-[0-9a-f]{12}\.js)"/.exec(await page.text())?.[1];
    expect((await fetch(`${server.endpoint}/_console/assets/${script}`)).status).toBe(200);
  } finally {
    await server.stop();
  }
});

test("with --domain, /_console/ of a virtual-hosted bucket is that bucket's key, not the console", async () => {
  const server = await startHost({ args: ["--domain", "s3.localhost", "--trusted-proxy", "127.0.0.1"] });
  try {
    const port = new URL(server.endpoint).port;
    const s3 = virtualHostClient(server, "s3.localhost");
    await s3.send(new CreateBucketCommand({ Bucket: "console-vhost" }));
    await s3.send(new PutObjectCommand({ Bucket: "console-vhost", Key: "_console/x", Body: "x" }));
    const got = await s3.send(new GetObjectCommand({ Bucket: "console-vhost", Key: "_console/x" }));
    expect(await got.Body?.transformToString()).toBe("x");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "console-vhost", Prefix: "_console/" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["_console/x"]);
    s3.destroy();
    const asKey = await fetch(`${server.endpoint}/_console/x`, {
      headers: { host: `console-vhost.s3.localhost:${port}` },
    });
    expect(asKey.headers.get("content-security-policy")).toBeNull();
    expect(asKey.status).toBe(403); // the bucket's key, refused to an anonymous reader
    // Behind a trusted proxy the bucket's name comes as X-Forwarded-Host, as the S3 pipeline reads it.
    const forwarded = await fetch(`${server.endpoint}/_console/x`, {
      headers: { "x-forwarded-host": `console-vhost.s3.localhost:${port}` },
    });
    expect(forwarded.headers.get("content-security-policy")).toBeNull();
    expect(forwarded.status).toBe(403);
    const page = await fetch(`${server.endpoint}/_console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
  } finally {
    await server.stop();
  }
});
