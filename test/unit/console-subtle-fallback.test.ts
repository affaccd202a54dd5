/** The console's SHA-256 and HMAC for browsers without crypto.subtle, against node:crypto. */
import { expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { fallbackSubtle, hmacSha256, sha256 } from "../../src/console/app/subtle-fallback.ts";

const hex = (b: Uint8Array | ArrayBuffer) =>
  Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");

test("SHA-256 matches at every length around the block and padding edges", () => {
  for (const length of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70_000]) {
    const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
    expect(hex(sha256(data))).toBe(createHash("sha256").update(data).digest("hex"));
  }
});

test("HMAC-SHA256 matches for short, block-sized and long keys", () => {
  const data = new TextEncoder().encode("AWS4-HMAC-SHA256\n20261205T000000Z\nscope\nhash");
  for (const keyLength of [0, 20, 64, 65, 100]) {
    const key = new Uint8Array(keyLength).map((_, i) => (i * 7) & 0xff);
    expect(hex(hmacSha256(key, data))).toBe(createHmac("sha256", key).update(data).digest("hex"));
  }
});

test("the SubtleCrypto stand-in answers as aws4fetch calls it", async () => {
  const key = await fallbackSubtle.importKey("raw", new TextEncoder().encode("AWS4secret"));
  const signed = await fallbackSubtle.sign("HMAC", key, new TextEncoder().encode("20261205"));
  expect(hex(signed)).toBe(createHmac("sha256", "AWS4secret").update("20261205").digest("hex"));
  const digest = await fallbackSubtle.digest("SHA-256", new TextEncoder().encode("abc"));
  expect(hex(digest)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
