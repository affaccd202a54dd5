/**
 * The web console in headless chromium over HTTPS (a self-signed certificate the browser is told to
 * accept) and through the edge worker (workerd, miniflare): the page and its assets load under the
 * console's CSP, sign-in (STS), bucket listing and creation, an upload and the admin settings (IAM
 * proof) all work, signed for the origin the browser sees. Over plain HTTP at an address that is
 * not localhost (no WebCrypto) it still signs in; there the first load's size is checked too.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { Page } from "playwright-core";
import { chromiumBinary, type OpenedPage, openPage, pageValue } from "../helpers/browser.ts";
import { startEdgeFor } from "../helpers/edge.ts";
import { s3Client, startHost, type TestServer, testCredentials, uniqueBucket } from "../helpers/index.ts";

setDefaultTimeout(90_000);

const work = mkdtempSync(join(tmpdir(), "s3dir-console-edge-tls-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const text = (selector: string) => `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? "")`;

/** Every console response the page received, with its CSP header. */
function recordConsoleResponses(page: Page): { url: string; status: number; csp: string | null }[] {
  const seen: { url: string; status: number; csp: string | null }[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/_console")) {
      seen.push({
        url: response.url(),
        status: response.status(),
        csp: response.headers()["content-security-policy"] ?? null,
      });
    }
  });
  return seen;
}

/** Signs in, creates `bucket`, uploads one small file into it and opens the cluster page's host settings. */
async function useConsole(page: Page, origin: string, bucket: string, file: string): Promise<void> {
  await page.goto(`${origin}/_console/`);
  await page.fill("#access-key", testCredentials.accessKeyId);
  await page.fill("#secret-key", testCredentials.secretAccessKey);
  await page.click("#signin button[type=submit]");
  await pageValue(page, "!!document.querySelector('#buckets')");
  expect(await page.evaluate<string>(text("#whoami"))).toContain("assumed-role/s3dir-console/console");
  await page.fill("#new-bucket", bucket);
  await page.click("#create-bucket");
  await pageValue(
    page,
    `[...document.querySelectorAll('.bucket-link')].some((a) => a.textContent === ${JSON.stringify(bucket)})`,
  );
  await pageValue(page, `${text(`.usage[data-bucket="${bucket}"]`)} === "no quota"`);
  await page.evaluate(`location.hash = "#/b/${bucket}/"`);
  await pageValue(page, `${text("#objects-status")}.startsWith("Page 1")`);
  await page.setInputFiles("#upload-input", [file]);
  await pageValue(page, `${text(".upload-state")} === "done"`, 30_000);
  await page.click("#nav-cluster");
  await pageValue(page, `${text("#host-sts")}.startsWith("STS maximum session duration")`);
}

describe.skipIf(!chromiumBinary)("console over HTTPS", () => {
  let server: TestServer;
  let browser: OpenedPage;

  beforeAll(async () => {
    const made = Bun.spawnSync(
      [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "tls.key",
        "-out",
        "tls.pem",
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { cwd: work, stderr: "pipe" },
    );
    if (made.exitCode !== 0) throw new Error(made.stderr.toString());
    server = await startHost({
      https: true,
      args: ["--tls-cert", join(work, "tls.pem"), "--tls-key", join(work, "tls.key")],
    });
    browser = await openPage({ ignoreHTTPSErrors: true, timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the page is a secure context; sign in, create a bucket, upload, read the host settings", async () => {
    expect(server.endpoint).toStartWith("https://");
    const { page } = browser;
    const responses = recordConsoleResponses(page);
    const file = join(work, "over-tls.txt");
    writeFileSync(file, "uploaded over https");
    const bucket = uniqueBucket("console-tls");
    await useConsole(page, server.endpoint, bucket, file);
    expect(await page.evaluate<boolean>("window.isSecureContext")).toBe(true);
    expect(responses.length).toBeGreaterThanOrEqual(3);
    for (const r of responses) expect(r.csp).toContain("default-src 'none'");
  });
});

describe.skipIf(!chromiumBinary)("console through the edge worker", () => {
  let host: TestServer;
  let edge: { url: string; stop: () => Promise<void> };
  let browser: OpenedPage;

  beforeAll(async () => {
    host = await startHost({ args: ["--trusted-proxy", "127.0.0.1"] });
    edge = await startEdgeFor(host, {
      unknownKeys: "refuse",
      policyReaderId: testCredentials.accessKeyId,
    });
    browser = await openPage({ timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await edge?.stop();
    await host?.stop();
  });

  test("assets and signed S3, STS and IAM calls pass through the edge", async () => {
    const { page } = browser;
    const responses = recordConsoleResponses(page);
    const file = join(work, "through-edge.txt");
    writeFileSync(file, "uploaded through the edge");
    const bucket = uniqueBucket("console-edge");
    await useConsole(page, edge.url, bucket, file);
    expect(responses.some((r) => r.url.startsWith(`${edge.url}/_console/assets/`))).toBe(true);
    for (const r of responses) {
      expect(r.url).toStartWith(edge.url);
      expect(r.csp).toContain("default-src 'none'");
    }
    const s3 = s3Client(host);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "through-edge.txt" }));
    expect(head.ContentLength).toBe("uploaded through the edge".length);
    s3.destroy();
  });
});

describe.skipIf(!chromiumBinary)("console over plain HTTP at an address that is not localhost", () => {
  test("the first load is under 200 KB gzip-compressed; without crypto.subtle the page still signs in", async () => {
    const server = await startHost();
    // console.test resolves to the host, and an http:// origin other than localhost is not a secure context.
    const browser = await openPage({ args: ["--host-resolver-rules=MAP console.test 127.0.0.1"] });
    const { page } = browser;
    try {
      const loaded: string[] = [];
      page.on("requestfinished", (request) => loaded.push(request.url()));
      const port = new URL(server.endpoint).port;
      await page.goto(`http://console.test:${port}/_console/`);
      await pageValue(page, "!!document.querySelector('#signin')");
      page.removeAllListeners("requestfinished");
      // Everything the sign-in page fetched, each body gzip-compressed.
      expect(loaded.some((url) => url.endsWith(".js"))).toBe(true);
      expect(loaded.some((url) => url.endsWith(".css"))).toBe(true);
      let compressed = 0;
      for (const url of loaded) {
        const body = await (
          await fetch(url.replace(`//console.test:${port}`, `//127.0.0.1:${port}`))
        ).arrayBuffer();
        compressed += Bun.gzipSync(new Uint8Array(body)).byteLength;
      }
      expect(compressed).toBeLessThan(200 * 1024);

      expect(await page.evaluate<boolean>("window.isSecureContext")).toBe(false);
      await page.fill("#access-key", testCredentials.accessKeyId);
      await page.fill("#secret-key", testCredentials.secretAccessKey);
      await page.click("#signin button[type=submit]");
      await pageValue(page, "!!document.querySelector('#buckets')");
      await pageValue(page, `${text("#buckets-status")}.endsWith("bucket(s)")`);
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});
