import { describe, expect, test } from "bun:test";
import { taggingRequest } from "../../src/s3/bodies/tagging.ts";
import { S3Error } from "../../src/s3/errors.ts";
import { checkTags, parseTaggingHeader } from "../../src/s3/tags.ts";
import { parseXml } from "../../src/s3/xml/parse.ts";

function failure(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof S3Error) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected an S3Error");
}

const xml = (s: string) => parseXml(new TextEncoder().encode(s))!;

describe("x-amz-tagging", () => {
  test("a URL-encoded query string: + and %20 are spaces, a key without = has an empty value", () => {
    expect(parseTaggingHeader("a=1&b+c=d%20e&empty=&bare&%C3%A9=%2F")).toEqual([
      { key: "a", value: "1" },
      { key: "b c", value: "d e" },
      { key: "empty", value: "" },
      { key: "bare", value: "" },
      { key: "é", value: "/" },
    ]);
    expect(parseTaggingHeader("")).toEqual([]);
  });

  test("a key twice or bad percent-encoding is InvalidArgument; the tag rules apply", () => {
    expect(failure(() => parseTaggingHeader("a=1&a=2")).code).toBe("InvalidArgument");
    expect(failure(() => parseTaggingHeader("a=%E0%A4")).code).toBe("InvalidArgument");
    expect(failure(() => parseTaggingHeader("a=%2A")).code).toBe("InvalidTag");
    const eleven = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join("&");
    expect(failure(() => parseTaggingHeader(eleven))).toEqual({
      code: "BadRequest",
      message: "Object tags cannot be greater than 10",
    });
  });
});

describe("tag rules", () => {
  test("lengths count Unicode characters, not bytes", () => {
    expect(checkTags([{ key: "𐐀".repeat(128), value: "é".repeat(256) }], "object")).toHaveLength(1);
    expect(failure(() => checkTags([{ key: "k".repeat(129), value: "" }], "object")).message).toBe(
      "The TagKey you have provided is too long, max 128",
    );
    expect(failure(() => checkTags([{ key: "k", value: "v".repeat(257) }], "object")).message).toBe(
      "The TagValue you have provided is too long, max 256",
    );
  });

  test("allowed characters: letters, digits, spaces and _ . : / = + - @", () => {
    expect(checkTags([{ key: "Aé 9_.:/=+-@", value: "" }], "object")).toHaveLength(1);
    for (const bad of ["a*", "a#", "a\n", "a,b", "a?"]) {
      expect(failure(() => checkTags([{ key: bad, value: "v" }], "object")).code).toBe("InvalidTag");
      expect(failure(() => checkTags([{ key: "k", value: bad }], "object")).code).toBe("InvalidTag");
    }
    expect(failure(() => checkTags([{ key: "", value: "v" }], "object")).message).toBe(
      "The TagKey you have provided is invalid",
    );
  });

  test("a duplicate key is InvalidTag; 10 object tags and 50 bucket tags", () => {
    expect(
      failure(() =>
        checkTags(
          [
            { key: "k", value: "1" },
            { key: "k", value: "2" },
          ],
          "bucket",
        ),
      ),
    ).toEqual({ code: "InvalidTag", message: "Cannot provide multiple Tags with the same key" });
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: "" }));
    expect(checkTags(tags(10), "object")).toHaveLength(10);
    expect(checkTags(tags(50), "bucket")).toHaveLength(50);
    expect(failure(() => checkTags(tags(51), "bucket")).code).toBe("BadRequest");
  });
});

describe("Tagging bodies", () => {
  test("TagSet with Tag elements; an empty TagSet is no tags", () => {
    const body = xml(
      "<Tagging><TagSet><Tag><Key>a</Key><Value> x </Value></Tag><Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>",
    );
    expect(taggingRequest(body, "object")).toEqual([
      { key: "a", value: " x " },
      { key: "b", value: "" },
    ]);
    expect(taggingRequest(xml("<Tagging><TagSet></TagSet></Tagging>"), "object")).toEqual([]);
  });

  test("a missing TagSet, Key or Value, or another root, is MalformedXML", () => {
    for (const doc of [
      "<Tagging></Tagging>",
      "<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>",
      "<Tagging><TagSet><Tag><Value>a</Value></Tag></TagSet></Tagging>",
      "<Tags><TagSet></TagSet></Tags>",
    ]) {
      expect(failure(() => taggingRequest(xml(doc), "object")).code).toBe("MalformedXML");
    }
  });
});
