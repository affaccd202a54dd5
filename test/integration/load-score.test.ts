/** The load score for weighted balancing (as Weka's x-weka-score): a header on every response and /health/ready?format=json. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { HeadBucketCommand, ListBucketsCommand, type S3Client } from "@aws-sdk/client-s3";
import { s3Client, sdkFailure, startHost, type TestServer } from "../helpers/index.ts";

setDefaultTimeout(60_000);

/** Keeps the headers of the last response the client received. */
function withHeaders(client: S3Client): () => Record<string, string> {
  let last: Record<string, string> = {};
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        const result = await next(args);
        last = (result.response as { headers: Record<string, string> }).headers;
        return result;
      } catch (e) {
        last = (e as { $response?: { headers: Record<string, string> } }).$response?.headers ?? {};
        throw e;
      }
    },
    { step: "deserialize", name: "keepHeaders" },
  );
  return () => last;
}

let server: TestServer;
let saturated: TestServer;
beforeAll(async () => {
  // One request in flight of at most four: 0.25; memory counts nothing against a terabyte.
  server = await startHost({ args: ["--max-in-flight", "4", "--max-memory", "1t"] });
  saturated = await startHost({ args: ["--max-in-flight", "4", "--max-memory", "1m"] });
});
afterAll(async () => {
  await server.stop();
  await saturated.stop();
});

describe("x-s3dir-score", () => {
  test("every response carries the score: successes, errors and health checks", async () => {
    const client = s3Client(server);
    const headers = withHeaders(client);
    await client.send(new ListBucketsCommand({}));
    expect(headers()["x-s3dir-score"]).toBe("0.250");
    await sdkFailure(client.send(new HeadBucketCommand({ Bucket: "no-such-bucket" })));
    expect(headers()["x-s3dir-score"]).toBe("0.250");
    const live = await fetch(`${server.endpoint}/health/live`);
    expect(live.headers.get("x-s3dir-score")).toBe("0.250");
  });

  test("memory over its limit saturates the score", async () => {
    const client = s3Client(saturated);
    const headers = withHeaders(client);
    await client.send(new ListBucketsCommand({}));
    expect(headers()["x-s3dir-score"]).toBe("1.000");
  });
});

describe("/health/ready?format=json", () => {
  test("returns the score with its parts", async () => {
    const response = await fetch(`${server.endpoint}/health/ready?format=json`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      score: number;
      parts: Record<string, { value: number; limit: number; score: number }>;
    };
    expect(body.status).toBe("ready");
    expect(body.score).toBe(0.25);
    expect(body.parts.inFlight).toEqual({ value: 1, limit: 4, score: 0.25 });
    expect(body.parts.memory!.limit).toBe(1024 ** 4);
    expect(body.parts.memory!.value).toBeGreaterThan(0);
    expect(body.parts.memory!.score).toBeLessThan(0.01);
    // Without format=json the answer stays what load balancers already parse.
    expect(await (await fetch(`${server.endpoint}/health/ready`)).json()).toEqual({ status: "ready" });
  });
});
