/**
 * CORS through the edge worker, which holds no bucket settings: preflights (also of presigned
 * URLs, which a browser sends without their signature's method) go to a host unauthenticated, the
 * host's Access-Control-* headers pass through untouched, and a cached copy answers each origin
 * with the headers the host gave that origin, never another's.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { presignUrl } from "../../src/lib/presign.ts";
import { startEdgeFor } from "../helpers/edge.ts";
import {
  errorCodeOf,
  s3Client,
  startHost,
  type TestServer,
  testCredentials,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

let host: TestServer;
let edge: { url: string; stop: () => Promise<void> };
let direct: S3Client;
const bucket = uniqueBucket("edge-cors");
const bare = uniqueBucket("edge-nocors");
const app = "http://app.example";
const other = "http://other.example";

const link = (path: string, method = "GET") =>
  presignUrl({
    method,
    url: `${edge.url}/${path}`,
    accessKeyId: testCredentials.accessKeyId,
    secretAccessKey: testCredentials.secretAccessKey,
    region: "us-east-1",
    expiresSeconds: 300,
  });

beforeAll(async () => {
  host = await startHost({ args: ["--trusted-proxy", "127.0.0.1"] });
  edge = await startEdgeFor(host);
  direct = s3Client(host);
  for (const name of [bucket, bare]) await direct.send(new CreateBucketCommand({ Bucket: name }));
  await direct.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [app],
            AllowedMethods: ["GET", "PUT"],
            AllowedHeaders: ["*"],
            ExposeHeaders: ["ETag"],
          },
          { AllowedOrigins: [other], AllowedMethods: ["GET"] },
        ],
      },
    }),
  );
  await direct.send(new PutObjectCommand({ Bucket: bucket, Key: "k.txt", Body: "cached at the edge" }));
});

afterAll(async () => {
  direct?.destroy();
  await edge?.stop();
  await host?.stop();
});

describe("CORS at the edge", () => {
  test("a preflight of a presigned URL is answered by a host from the bucket's rules", async () => {
    const url = await link(`${bucket}/new.txt`, "PUT");
    const res = await fetch(url, {
      method: "OPTIONS",
      headers: {
        origin: app,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(app);
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, PUT");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("vary")).toBe(
      "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    );

    const refused = await fetch(`${edge.url}/${bare}/x`, {
      method: "OPTIONS",
      headers: { origin: app, "access-control-request-method": "GET" },
    });
    expect(refused.status).toBe(403);
    expect(errorCodeOf(await refused.text())).toBe("AccessForbidden");
  });

  test("a cached copy answers each origin with the host's headers for that origin", async () => {
    const url = await link(`${bucket}/k.txt`);
    const get = (origin?: string) => fetch(url, { headers: origin ? { origin } : {} });
    const first = await get(app);
    expect(await first.text()).toBe("cached at the edge");
    expect(first.headers.get("access-control-allow-origin")).toBe(app);
    expect(first.headers.get("access-control-expose-headers")).toBe("ETag");
    await waitFor(async () => {
      const res = await get(app);
      await res.arrayBuffer();
      return res.headers.get("x-s3dir-edge-cache") === "hit";
    });
    const hit = await get(app);
    await hit.arrayBuffer();
    expect(hit.headers.get("access-control-allow-origin")).toBe(app);
    expect(hit.headers.get("access-control-expose-headers")).toBe("ETag");
    expect(hit.headers.get("vary")).toBe(
      "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    );

    // Another origin, and no origin at all, never get app's headers from the copy.
    for (const [origin, allowed] of [
      [other, other],
      [undefined, null],
      ["http://evil.example", null],
    ] as const) {
      const res = await get(origin);
      expect(await res.text()).toBe("cached at the edge");
      expect({ origin, allowed: res.headers.get("access-control-allow-origin") }).toEqual({
        origin,
        allowed,
      });
      if (origin === other) expect(res.headers.get("access-control-expose-headers")).toBeNull();
    }
  });
});
