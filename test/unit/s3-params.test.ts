import { describe, expect, test } from "bun:test";
import { S3Error } from "../../src/s3/errors.ts";
import {
  decodeContinuationToken,
  encodeContinuationToken,
  parseEncodingType,
  parseMaxKeys,
} from "../../src/s3/list-params.ts";
import { parsePartNumber, parsePartNumberMarker } from "../../src/s3/multipart-params.ts";

/** The code, message and details of the S3Error `fn` throws. */
function refusal(fn: () => unknown): [string, string, Record<string, string>] {
  try {
    fn();
  } catch (e) {
    if (e instanceof S3Error) return [e.code, e.message, e.details];
    throw e;
  }
  throw new Error("no error");
}

describe("listing parameters", () => {
  test("a page size: absent or empty → 1000, capped at 1000, digits only", () => {
    expect(parseMaxKeys(null)).toBe(1000);
    expect(parseMaxKeys("")).toBe(1000);
    expect(parseMaxKeys("0")).toBe(0);
    expect(parseMaxKeys("7")).toBe(7);
    expect(parseMaxKeys("99999999999999999999")).toBe(1000);
    for (const value of ["-1", "1.5", " 3", "ten"]) {
      expect(refusal(() => parseMaxKeys(value))).toEqual([
        "InvalidArgument",
        "Provided max-keys not an integer or within integer range",
        { ArgumentName: "max-keys", ArgumentValue: value },
      ]);
    }
    expect(refusal(() => parseMaxKeys("x", "max-uploads"))).toEqual([
      "InvalidArgument",
      "Provided max-uploads not an integer or within integer range",
      { ArgumentName: "max-uploads", ArgumentValue: "x" },
    ]);
  });

  test("encoding-type: url in any case, or absent", () => {
    expect(parseEncodingType(null)).toBeUndefined();
    expect(parseEncodingType("url")).toBe("url");
    expect(parseEncodingType("URL")).toBe("url");
    for (const value of ["", "base64"]) {
      expect(refusal(() => parseEncodingType(value))).toEqual([
        "InvalidArgument",
        "Invalid Encoding Method specified in Request",
        { ArgumentName: "encoding-type", ArgumentValue: value },
      ]);
    }
  });

  test("a continuation token is base64url of UTF-8", () => {
    for (const cursor of ["a", "dir/é ü/x?y", "日本"]) {
      expect(decodeContinuationToken(encodeContinuationToken(cursor))).toBe(cursor);
    }
    for (const token of ["!!!", btoa("\xff\xfe")]) {
      expect(refusal(() => decodeContinuationToken(token))).toEqual([
        "InvalidArgument",
        "The continuation token provided is incorrect",
        { ArgumentName: "continuation-token" },
      ]);
    }
  });
});

describe("multipart parameters", () => {
  test("partNumber: an integer 1…10000", () => {
    expect(parsePartNumber("1")).toBe(1);
    expect(parsePartNumber("10000")).toBe(10000);
    expect(parsePartNumber("00042")).toBe(42);
    for (const value of [null, "", "0", "10001", "000001", "-1", "1e3", " 1"]) {
      expect(refusal(() => parsePartNumber(value))).toEqual([
        "InvalidArgument",
        "Part number must be an integer between 1 and 10000, inclusive",
        { ArgumentName: "partNumber", ArgumentValue: value ?? "" },
      ]);
    }
  });

  test("part-number-marker: absent or empty → 0, digits only", () => {
    expect(parsePartNumberMarker(null)).toBe(0);
    expect(parsePartNumberMarker("")).toBe(0);
    expect(parsePartNumberMarker("12")).toBe(12);
    expect(refusal(() => parsePartNumberMarker("x"))).toEqual([
      "InvalidArgument",
      "Provided part-number-marker not an integer or within integer range",
      { ArgumentName: "part-number-marker", ArgumentValue: "x" },
    ]);
    expect(refusal(() => parsePartNumberMarker("-2", "x-amz-part-number-marker"))).toEqual([
      "InvalidArgument",
      "Provided x-amz-part-number-marker not an integer or within integer range",
      { ArgumentName: "x-amz-part-number-marker", ArgumentValue: "-2" },
    ]);
  });
});
