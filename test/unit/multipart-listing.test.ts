import { describe, expect, test } from "bun:test";
import { pageUploads } from "../../src/storage/multipart/listing.ts";
import {
  isValidUploadId,
  newUploadId,
  partFileName,
  partNumberOf,
  uploadIdTime,
} from "../../src/storage/multipart/paths.ts";
import type { ListUploadsInput, UploadInfo } from "../../src/storage/multipart/types.ts";

function upload(key: string, at: number): UploadInfo {
  const uploadId = newUploadId(at);
  return { key, uploadId, initiated: new Date(at), attributes: { userMetadata: {} } };
}

const input = (over: Partial<ListUploadsInput> = {}): ListUploadsInput => ({
  bucket: "b",
  prefix: "",
  delimiter: "",
  keyMarker: "",
  uploadIdMarker: "",
  maxUploads: 1000,
  ...over,
});

describe("upload ids", () => {
  test("time-prefixed, random, path-safe; anything else is refused", () => {
    const id = newUploadId(1_700_000_000_000);
    expect(isValidUploadId(id)).toBe(true);
    expect(uploadIdTime(id)).toBe(1_700_000_000_000);
    expect(newUploadId()).not.toBe(newUploadId());
    for (const bad of [
      "",
      "..",
      `${id}/x`,
      `${id.slice(0, 43)}.`,
      `${id}a`,
      id.toUpperCase(),
      "../uploads/x",
    ]) {
      expect(isValidUploadId(bad)).toBe(false);
    }
    expect(partFileName(7)).toBe("part-00007");
    expect(partNumberOf("part-10000")).toBe(10000);
    expect([partNumberOf("part-00000"), partNumberOf("part-10001"), partNumberOf("upload.json")]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("ListMultipartUploads paging", () => {
  const uploads = [
    upload("b", 3),
    upload("a/1", 1),
    upload("b", 1),
    upload("a+b", 5),
    upload("c/d/e", 2),
    upload("ü", 4),
    upload("b", 2),
  ];

  test("sorted by key in UTF-8 order, then by initiation", () => {
    const r = pageUploads(uploads, input());
    expect(r.uploads.map((u) => [u.key, u.initiated.getTime()])).toEqual([
      ["a+b", 5],
      ["a/1", 1],
      ["b", 1],
      ["b", 2],
      ["b", 3],
      ["c/d/e", 2],
      ["ü", 4],
    ]);
    expect(r.isTruncated).toBe(false);
  });

  test("pages of two resume from key-marker and upload-id-marker", () => {
    const seen: string[] = [];
    let keyMarker = "";
    let uploadIdMarker = "";
    for (let i = 0; i < 10; i++) {
      const r = pageUploads(uploads, input({ maxUploads: 2, keyMarker, uploadIdMarker }));
      seen.push(...r.uploads.map((u) => u.uploadId));
      if (!r.isTruncated) break;
      keyMarker = r.nextKeyMarker!;
      uploadIdMarker = r.nextUploadIdMarker ?? "";
    }
    expect(seen).toEqual(pageUploads(uploads, input()).uploads.map((u) => u.uploadId));
  });

  test("delimiter groups into common prefixes that count toward max-uploads", () => {
    const r = pageUploads(uploads, input({ delimiter: "/" }));
    expect(r.commonPrefixes).toEqual(["a/", "c/"]);
    expect(r.uploads.map((u) => u.key)).toEqual(["a+b", "b", "b", "b", "ü"]);
    const first = pageUploads(uploads, input({ delimiter: "/", maxUploads: 2 }));
    expect([first.uploads.map((u) => u.key), first.commonPrefixes, first.nextKeyMarker]).toEqual([
      ["a+b"],
      ["a/"],
      "a/",
    ]);
    const next = pageUploads(uploads, input({ delimiter: "/", maxUploads: 2, keyMarker: "a/" }));
    expect(next.uploads.map((u) => u.key)).toEqual(["b", "b"]);
    const nested = pageUploads(uploads, input({ prefix: "c/", delimiter: "/" }));
    expect(nested.commonPrefixes).toEqual(["c/d/"]);
  });
});
