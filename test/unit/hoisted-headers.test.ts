import { describe, expect, test } from "bun:test";
import { withHoistedHeaders } from "../../src/s3/hoisted-headers.ts";
import { splitUrl } from "../../src/s3/request-target.ts";

const auth =
  "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request" +
  "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";

function hoisted(query: string): Request {
  const req = new Request(`http://h/b/k?${query}`);
  const { rawQuery } = splitUrl(req.url);
  const withRaw = withHoistedHeaders(req, new URLSearchParams(rawQuery), rawQuery);
  const without = withHoistedHeaders(req, new URLSearchParams(rawQuery));
  // The check of the raw query only saves work: the answer is the same without it.
  expect([...withRaw.headers]).toEqual([...without.headers]);
  expect(withRaw === req).toBe(without === req);
  return withRaw;
}

describe("hoisted headers", () => {
  test("a presigned URL with only authentication parameters keeps its request", () => {
    const req = new Request(`http://h/b/k?${auth}`);
    expect(withHoistedHeaders(req, new URLSearchParams(auth), auth)).toBe(req);
    hoisted(`${auth}&partNumber=1&x-id=GetObject`);
    hoisted(`${auth.toLowerCase()}&X-AMZ-SECURITY-TOKEN=t`);
  });

  test("the payload hash of an SDK presigned URL is not hoisted: the request is kept as sent", () => {
    const sdk = `X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&${auth}&x-id=GetObject`;
    const req = new Request(`http://h/b/k?${sdk}`);
    expect(withHoistedHeaders(req, new URLSearchParams(sdk), sdk)).toBe(req);
    expect(hoisted(`${auth}&x-amz-content-sha256=UNSIGNED-PAYLOAD`).headers.has("x-amz-content-sha256")).toBe(
      false,
    );
    expect(hoisted(`${sdk}&X-Amz-Content-Sha257=1`).headers.get("x-amz-content-sha257")).toBe("1");
  });

  test("x-amz-* parameters become headers, however their names are spelled or escaped", () => {
    expect(hoisted(`${auth}&x-amz-meta-a=1`).headers.get("x-amz-meta-a")).toBe("1");
    expect(hoisted(`${auth}&X-Amz-Checksum-Crc32=AAAA`).headers.get("x-amz-checksum-crc32")).toBe("AAAA");
    expect(hoisted(`${auth}&x%2Damz-meta-b=2`).headers.get("x-amz-meta-b")).toBe("2");
    expect(hoisted(`x-amz-tagging=a%3Db&${auth}`).headers.get("x-amz-tagging")).toBe("a=b");
  });

  test("a name as long as an authentication parameter but spelled otherwise is hoisted", () => {
    expect(hoisted(`${auth}&X-Amz-Dates=1`).headers.get("x-amz-dates")).toBe("1");
    expect(hoisted(`${auth}&X-Amz-Meta-a=1`).headers.get("x-amz-meta-a")).toBe("1");
    expect(hoisted(`${auth}&X-Amz-Signaturx=2`).headers.get("x-amz-signaturx")).toBe("2");
    expect(hoisted(`${auth}&X-Amz-Meta-Credent=3`).headers.get("x-amz-meta-credent")).toBe("3");
    expect(hoisted(`${auth}&X-Amz-Meta-SignedHead=4`).headers.get("x-amz-meta-signedhead")).toBe("4");
    expect(hoisted(`${auth}&X-Amz-Meta-Security-Tok=5`).headers.get("x-amz-meta-security-tok")).toBe("5");
  });
});
