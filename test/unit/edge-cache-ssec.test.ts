/**
 * The edge cache (src/edge/edge-cache.ts) keeps nothing encrypted with a customer key: an answer
 * carrying the SSE-C algorithm header is not stored, and requests naming a customer key (as headers
 * or hoisted into the query) are recognised so that the worker forwards them.
 */
import { describe, expect, test } from "bun:test";
import { carriesCustomerKey, EdgeCache } from "../../src/edge/edge-cache.ts";

/** A Cache API stand-in that only records what is put. */
function recordingCache(): { cache: Cache; puts: string[] } {
  const puts: string[] = [];
  const cache = {
    async put(key: RequestInfo | URL, response: Response) {
      puts.push(String(key));
      await response.arrayBuffer();
    },
    async match() {
      return undefined;
    },
    async delete() {
      return false;
    },
  } as unknown as Cache;
  return { cache, puts };
}

const target = { host: "edge.example", path: "/b/k" };

describe("edge cache and SSE-C", () => {
  test("an answer with x-amz-server-side-encryption-customer-algorithm is not stored", async () => {
    const { cache, puts } = recordingCache();
    const edge = new EdgeCache(cache, { defaultSeconds: 60, grantSeconds: 60 });
    await edge.store(
      target,
      "AKIA",
      new Response("plaintext", {
        headers: { etag: '"e"', "x-amz-server-side-encryption-customer-algorithm": "AES256" },
      }),
    );
    expect(puts).toEqual([]);
    await edge.store(target, "AKIA", new Response("plain", { headers: { etag: '"e"' } }));
    expect(puts.length).toBe(2);
  });

  test("requests naming a customer key, as headers or in the query", () => {
    const none = new Headers({ range: "bytes=0-1" });
    expect(carriesCustomerKey(none, "")).toBe(false);
    expect(carriesCustomerKey(none, "X-Amz-Signature=ab&x-id=GetObject")).toBe(false);
    for (const name of ["algorithm", "key", "key-MD5"]) {
      expect(
        carriesCustomerKey(new Headers({ [`x-amz-server-side-encryption-customer-${name}`]: "v" }), ""),
      ).toBe(true);
    }
    expect(carriesCustomerKey(none, "X-Amz-Server-Side-Encryption-Customer-Algorithm=AES256")).toBe(true);
    expect(carriesCustomerKey(none, "x-amz-server-side-encryption-customer-key")).toBe(true);
    expect(carriesCustomerKey(none, "X-Amz-Server-Side-Encryption-Customer-Key%2DMD5=x")).toBe(true);
    // SSE-S3 is transparent to readers: still cacheable.
    expect(carriesCustomerKey(new Headers({ "x-amz-server-side-encryption": "AES256" }), "")).toBe(false);
  });
});
