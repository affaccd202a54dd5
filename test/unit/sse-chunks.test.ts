import { describe, expect, test } from "bun:test";
import { nodeChunkOpen, nodeChunkSeal } from "../../src/runtime/node-chunk-cipher.ts";
import {
  CHUNK_SIZE,
  ChunkSealer,
  chunkOffset,
  chunksCovering,
  newNoncePrefix,
  openChunks,
  openChunksSync,
  SealError,
  sealedSize,
  sealSegment,
  TAG_SIZE,
} from "../../src/sse/chunks.ts";
import { aesKey, newDataKey, opaqueEtag, unwrapDataKey, wrapDataKey } from "../../src/sse/data-key.ts";

function bytes(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

async function setup() {
  return { key: await aesKey(newDataKey()), prefix: newNoncePrefix() };
}

describe("sealed chunks", () => {
  for (const size of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 17]) {
    test(`round trip of ${size} bytes`, async () => {
      const { key, prefix } = await setup();
      const plain = bytes(size);
      const sealed = await sealSegment(key, prefix, plain);
      expect(sealed.length).toBe(sealedSize(size));
      expect(await openChunks(key, prefix, size, 0, sealed)).toEqual(plain);
    });
  }

  test("a part's chunks open only as that part number", async () => {
    const { key, prefix } = await setup();
    const plain = bytes(2 * CHUNK_SIZE + 5);
    const sealed = await new ChunkSealer(key, prefix, 3).seal(plain, true);
    expect(await openChunks(key, prefix, plain.length, 0, sealed, 3)).toEqual(plain);
    await expect(openChunks(key, prefix, plain.length, 0, sealed, 4)).rejects.toBeInstanceOf(SealError);
    await expect(openChunks(key, prefix, plain.length, 0, sealed)).rejects.toBeInstanceOf(SealError);
    const whole = await sealSegment(key, prefix, plain);
    await expect(openChunks(key, prefix, plain.length, 0, whole, 1)).rejects.toBeInstanceOf(SealError);
  });

  test("the hosts' native opener reads what WebCrypto sealed, with the same checks", async () => {
    const raw = newDataKey();
    const key = await aesKey(raw);
    const prefix = newNoncePrefix();
    const plain = bytes(3 * CHUNK_SIZE + 11);
    const join = (pieces: Uint8Array[]) => new Uint8Array(Buffer.concat(pieces));
    for (const part of [undefined, 7]) {
      const sealed = await new ChunkSealer(key, prefix, part).seal(plain, true);
      expect(join(openChunksSync(nodeChunkOpen, raw, prefix, plain.length, 0, sealed, part))).toEqual(plain);
      const tail = sealed.subarray(chunkOffset(2));
      expect(join(openChunksSync(nodeChunkOpen, raw, prefix, plain.length, 2, tail, part))).toEqual(
        plain.subarray(2 * CHUNK_SIZE),
      );
      const flipped = sealed.slice();
      flipped[CHUNK_SIZE + 5]! ^= 1;
      expect(() => openChunksSync(nodeChunkOpen, raw, prefix, plain.length, 0, flipped, part)).toThrow(
        SealError,
      );
      expect(() =>
        openChunksSync(nodeChunkOpen, raw, prefix, plain.length, 0, sealed, (part ?? 0) + 1),
      ).toThrow(SealError);
      expect(() =>
        openChunksSync(
          nodeChunkOpen,
          raw,
          prefix,
          plain.length,
          0,
          sealed.subarray(0, sealed.length - 1),
          part,
        ),
      ).toThrow(SealError);
    }
  });

  test("the hosts' native sealer writes exactly what WebCrypto writes", async () => {
    const raw = newDataKey();
    const key = await aesKey(raw);
    const prefix = newNoncePrefix();
    for (const size of [0, 5, CHUNK_SIZE, 2 * CHUNK_SIZE + 9]) {
      for (const part of [undefined, 2]) {
        const plain = bytes(size);
        const web = await new ChunkSealer(key, prefix, part).seal(plain, true);
        const native = await new ChunkSealer(key, prefix, part, { seal: nodeChunkSeal, rawKey: raw }).seal(
          plain,
          true,
        );
        expect(native).toEqual(web);
        expect(await openChunks(key, prefix, size, 0, native, part)).toEqual(plain);
      }
    }
  });

  test("batches sealed one by one equal one whole seal", async () => {
    const { key, prefix } = await setup();
    const plain = bytes(5 * CHUNK_SIZE + 100);
    const sealer = new ChunkSealer(key, prefix);
    const a = await sealer.seal(plain.subarray(0, 2 * CHUNK_SIZE), false);
    const b = await sealer.seal(plain.subarray(2 * CHUNK_SIZE), true);
    const joined = new Uint8Array(a.length + b.length);
    joined.set(a);
    joined.set(b, a.length);
    expect(await openChunks(key, prefix, plain.length, 0, joined)).toEqual(plain);
    await expect(sealer.seal(new Uint8Array(1), true)).rejects.toThrow();
  });

  test("a range of chunks opens alone", async () => {
    const { key, prefix } = await setup();
    const size = 4 * CHUNK_SIZE + 9;
    const plain = bytes(size);
    const sealed = await sealSegment(key, prefix, plain);
    const { first, last } = chunksCovering(CHUNK_SIZE + 5, size - 1);
    expect([first, last]).toEqual([1, 4]);
    const part = await openChunks(key, prefix, size, first, sealed.subarray(chunkOffset(first)));
    expect(part).toEqual(plain.subarray(CHUNK_SIZE));
    const middle = sealed.subarray(chunkOffset(2), chunkOffset(3));
    expect(await openChunks(key, prefix, size, 2, middle)).toEqual(
      plain.subarray(2 * CHUNK_SIZE, 3 * CHUNK_SIZE),
    );
  });

  test("a flipped byte anywhere fails", async () => {
    const { key, prefix } = await setup();
    const plain = bytes(2 * CHUNK_SIZE + 3);
    const sealed = await sealSegment(key, prefix, plain);
    for (const at of [0, CHUNK_SIZE + 2, CHUNK_SIZE + TAG_SIZE + 7, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      await expect(openChunks(key, prefix, plain.length, 0, bad)).rejects.toBeInstanceOf(SealError);
    }
  });

  test("truncation, reordering and appending fail", async () => {
    const { key, prefix } = await setup();
    const size = 3 * CHUNK_SIZE;
    const sealed = await sealSegment(key, prefix, bytes(size));
    // Cut after two chunks and claim the object was two chunks long: chunk 1 is not "last".
    const cut = sealed.subarray(0, chunkOffset(2));
    await expect(openChunks(key, prefix, 2 * CHUNK_SIZE, 0, cut)).rejects.toBeInstanceOf(SealError);
    await expect(openChunks(key, prefix, size, 0, cut.subarray(0, cut.length - 1))).rejects.toBeInstanceOf(
      SealError,
    );
    const swapped = new Uint8Array(sealed.length);
    swapped.set(sealed.subarray(chunkOffset(1), chunkOffset(2)), 0);
    swapped.set(sealed.subarray(0, chunkOffset(1)), chunkOffset(1));
    swapped.set(sealed.subarray(chunkOffset(2)), chunkOffset(2));
    await expect(openChunks(key, prefix, size, 0, swapped)).rejects.toBeInstanceOf(SealError);
    const longer = new Uint8Array(sealed.length + TAG_SIZE);
    longer.set(sealed);
    await expect(openChunks(key, prefix, size, 0, longer)).rejects.toBeInstanceOf(SealError);
  });

  test("another key or nonce prefix fails", async () => {
    const { key, prefix } = await setup();
    const sealed = await sealSegment(key, prefix, bytes(100));
    const other = await setup();
    await expect(openChunks(other.key, prefix, 100, 0, sealed)).rejects.toBeInstanceOf(SealError);
    await expect(openChunks(key, other.prefix, 100, 0, sealed)).rejects.toBeInstanceOf(SealError);
  });
});

describe("data keys", () => {
  test("wrap and unwrap; a wrong key or mode fails", async () => {
    const master = newDataKey();
    const dataKey = newDataKey();
    const wrapped = await wrapDataKey(master, "S3", dataKey);
    expect(wrapped.length).toBe(60);
    expect(await unwrapDataKey(master, "S3", wrapped)).toEqual(dataKey);
    await expect(unwrapDataKey(newDataKey(), "S3", wrapped)).rejects.toBeInstanceOf(SealError);
    await expect(unwrapDataKey(master, "C", wrapped)).rejects.toBeInstanceOf(SealError);
  });

  test("the opaque ETag hides the plaintext MD5 and is stable", async () => {
    const k = newDataKey();
    const md5 = "d41d8cd98f00b204e9800998ecf8427e";
    const etag = await opaqueEtag(k, md5);
    expect(etag).toMatch(/^[0-9a-f]{32}$/);
    expect(etag).not.toBe(md5);
    expect(await opaqueEtag(k, md5)).toBe(etag);
  });
});
