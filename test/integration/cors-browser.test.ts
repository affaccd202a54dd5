/**
 * CORS in a real browser: headless chromium loads a page from another origin (a small Bun.serve
 * on its own port) whose fetch() PUTs and GETs an object through presigned URLs. With a rule for
 * the page's origin both work and the page can read the exposed ETag; without one the browser
 * blocks both (the PUT never gets past its preflight, so nothing is stored).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, HeadObjectCommand, PutBucketCorsCommand } from "@aws-sdk/client-s3";
import { chromiumBinary, openPage } from "../helpers/browser.ts";
import { presignUrl, sdkFailure, uniqueBucket, useHost } from "../helpers/index.ts";

setDefaultTimeout(90_000);

const host = useHost({ bucket: false });

let pages: ReturnType<typeof Bun.serve>;
/** The page's script, keyed by path: each test publishes its own. */
const scripts = new Map<string, string>();

beforeAll(() => {
  pages = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const script = scripts.get(new URL(req.url).pathname);
      if (script === undefined) return new Response("not found", { status: 404 });
      const html = `<!doctype html><html><body><pre id="result"></pre><script>${script}</script></body></html>`;
      return new Response(html, { headers: { "content-type": "text/html" } });
    },
  });
});

afterAll(() => pages?.stop(true));

/** A page that PUTs `body` to one presigned URL and GETs another, and writes what it saw as JSON. */
function uploadPage(putUrl: string, getUrl: string, body: string): string {
  return `
  (async () => {
    const out = {};
    try {
      const put = await fetch(${JSON.stringify(putUrl)}, {
        method: "PUT",
        body: ${JSON.stringify(body)},
        headers: { "content-type": "application/octet-stream" },
      });
      out.put = put.status;
      out.etag = put.headers.get("etag");
    } catch (e) {
      out.put = "blocked";
    }
    try {
      const get = await fetch(${JSON.stringify(getUrl)});
      out.get = get.status;
      out.body = await get.text();
    } catch (e) {
      out.get = "blocked";
    }
    document.getElementById("result").textContent = JSON.stringify(out);
    document.documentElement.dataset.done = "true";
  })();`;
}

async function runUpload(bucket: string, key: string, body: string) {
  const putUrl = await presignUrl(host.server, `/${bucket}/${key}`, { method: "PUT" });
  const getUrl = await presignUrl(host.server, `/${bucket}/${key}`);
  const path = `/${bucket}.html`;
  scripts.set(path, uploadPage(putUrl, getUrl, body));
  const { page, close } = await openPage({ timeoutMs: 60_000 });
  try {
    await page.goto(`http://127.0.0.1:${pages.port}${path}`);
    await page.waitForFunction("document.documentElement.dataset.done !== undefined");
    return JSON.parse((await page.textContent("#result")) ?? "") as Record<string, unknown>;
  } finally {
    await close();
  }
}

describe.skipIf(!chromiumBinary)("chromium against s3dir", () => {
  test("with a rule for the page's origin, fetch PUT and GET through presigned URLs work", async () => {
    const bucket = uniqueBucket("cors-browser");
    await host.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await host.s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: [`http://127.0.0.1:${pages.port}`],
              AllowedMethods: ["GET", "PUT"],
              AllowedHeaders: ["*"],
              ExposeHeaders: ["ETag"],
            },
          ],
        },
      }),
    );
    const out = await runUpload(bucket, "from-browser.txt", "hello from chromium");
    expect(out).toEqual({
      put: 200,
      etag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      get: 200,
      body: "hello from chromium",
    });
  });

  test("without CORS rules the browser blocks both, and nothing is stored", async () => {
    const bucket = uniqueBucket("cors-browser");
    await host.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const out = await runUpload(bucket, "blocked.txt", "never stored");
    expect(out).toEqual({ put: "blocked", get: "blocked" });
    const head = await sdkFailure(
      host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "blocked.txt" })),
    );
    expect(head.status).toBe(404);
  });
});
