import { describe, expect, test } from "bun:test";
import { S3Error } from "../../src/s3/errors.ts";
import {
  parseVersioningConfiguration,
  parseVersionMarkers,
  versionHeaders,
  versionIdOf,
} from "../../src/s3/version-params.ts";
import { parseXml } from "../../src/s3/xml/parse.ts";

const xml = (body: string) => parseXml(new TextEncoder().encode(body));
const codeOf = (f: () => unknown) => {
  try {
    f();
    return "ok";
  } catch (e) {
    return e instanceof S3Error ? `${e.code} ${e.status}` : String(e);
  }
};

describe("PutBucketVersioning bodies", () => {
  test("Enabled and Suspended; no Status changes nothing", () => {
    const doc = (inner: string) => xml(`<VersioningConfiguration>${inner}</VersioningConfiguration>`);
    expect(parseVersioningConfiguration(doc("<Status>Enabled</Status>"), null)).toBe("Enabled");
    expect(
      parseVersioningConfiguration(doc("<Status>Suspended</Status><MfaDelete>Disabled</MfaDelete>"), null),
    ).toBe("Suspended");
    expect(parseVersioningConfiguration(doc(""), null)).toBeUndefined();
  });

  test("MFA Delete is 501; unknown values and other documents are MalformedXML", () => {
    const doc = (inner: string) => xml(`<VersioningConfiguration>${inner}</VersioningConfiguration>`);
    expect(codeOf(() => parseVersioningConfiguration(doc("<MfaDelete>Enabled</MfaDelete>"), null))).toBe(
      "NotImplemented 501",
    );
    expect(codeOf(() => parseVersioningConfiguration(doc("<Status>Enabled</Status>"), "serial 123456"))).toBe(
      "NotImplemented 501",
    );
    expect(codeOf(() => parseVersioningConfiguration(doc("<Status>enabled</Status>"), null))).toBe(
      "MalformedXML 400",
    );
    expect(codeOf(() => parseVersioningConfiguration(doc("<MfaDelete>On</MfaDelete>"), null))).toBe(
      "MalformedXML 400",
    );
    expect(codeOf(() => parseVersioningConfiguration(xml("<Other/>"), null))).toBe("MalformedXML 400");
    expect(codeOf(() => parseVersioningConfiguration(undefined, null))).toBe("MalformedXML 400");
  });
});

describe("version ids and markers in the query", () => {
  test("versionId: absent, present, empty", () => {
    expect(versionIdOf(new URLSearchParams(""))).toBeUndefined();
    expect(versionIdOf(new URLSearchParams("versionId=null"))).toBe("null");
    expect(codeOf(() => versionIdOf(new URLSearchParams("versionId=")))).toBe("InvalidArgument 400");
  });

  test("a version-id-marker needs a key-marker and must be an id or null", () => {
    expect(parseVersionMarkers(new URLSearchParams("key-marker=a&version-id-marker=null"))).toEqual({
      keyMarker: "a",
      versionIdMarker: "null",
    });
    expect(parseVersionMarkers(new URLSearchParams(""))).toEqual({ keyMarker: "", versionIdMarker: "" });
    expect(codeOf(() => parseVersionMarkers(new URLSearchParams("version-id-marker=null")))).toBe(
      "InvalidArgument 400",
    );
    expect(codeOf(() => parseVersionMarkers(new URLSearchParams("key-marker=a&version-id-marker=x")))).toBe(
      "InvalidArgument 400",
    );
  });

  test("response headers only for versioned results", () => {
    expect(versionHeaders({})).toEqual({});
    expect(versionHeaders({ versionId: "null" })).toEqual({ "x-amz-version-id": "null" });
    expect(versionHeaders({ versionId: "v", deleteMarker: true })).toEqual({
      "x-amz-delete-marker": "true",
      "x-amz-version-id": "v",
    });
  });
});
