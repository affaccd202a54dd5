/** Object lock in requests: the x-amz-object-lock-* headers and the three request bodies. */
import { describe, expect, test } from "bun:test";
import {
  legalHoldRequest,
  objectLockConfigurationRequest,
  retentionRequest,
} from "../../src/s3/bodies/object-lock.ts";
import type { S3Error } from "../../src/s3/errors.ts";
import { lockRequestFrom, parseIsoTimestamp, putLockRequestFrom } from "../../src/s3/lock-params.ts";
import { parseXml } from "../../src/s3/xml/parse.ts";

const xml = (text: string) => parseXml(new TextEncoder().encode(text));
const future = "2099-01-02T03:04:05Z";

function failure(call: () => unknown): [string, string | undefined, string] {
  try {
    call();
  } catch (e) {
    const err = e as S3Error;
    return [err.code, err.details.ArgumentName, err.message];
  }
  throw new Error("expected a failure");
}

describe("x-amz-object-lock-* headers", () => {
  test("none: no lock asked; mode and date together, and a legal hold", () => {
    expect(lockRequestFrom(new Headers())).toBeUndefined();
    const asked = lockRequestFrom(
      new Headers({
        "x-amz-object-lock-mode": "COMPLIANCE",
        "x-amz-object-lock-retain-until-date": future,
        "x-amz-object-lock-legal-hold": "ON",
      }),
    );
    expect(asked).toEqual({ retention: { mode: "COMPLIANCE", until: new Date(future) }, legalHold: true });
    expect(lockRequestFrom(new Headers({ "x-amz-object-lock-legal-hold": "OFF" }))).toEqual({});
  });

  test("each fault names its header", () => {
    const h = (o: Record<string, string>) => () => lockRequestFrom(new Headers(o));
    expect(failure(h({ "x-amz-object-lock-mode": "GOVERNANCE" }))[1]).toBe(
      "x-amz-object-lock-retain-until-date",
    );
    expect(failure(h({ "x-amz-object-lock-retain-until-date": future }))[1]).toBe("x-amz-object-lock-mode");
    expect(
      failure(h({ "x-amz-object-lock-mode": "governance", "x-amz-object-lock-retain-until-date": future })),
    ).toEqual(["InvalidArgument", "x-amz-object-lock-mode", "Unknown wormMode directive."]);
    expect(
      failure(
        h({ "x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": "2020-01-01" }),
      )[2],
    ).toContain("ISO 8601");
    expect(failure(h({ "x-amz-object-lock-legal-hold": "on" }))[1]).toBe("x-amz-object-lock-legal-hold");
  });

  test("a PutObject with lock headers, or into a bucket with a default retention, needs Content-MD5 or a checksum", async () => {
    const hold = { "x-amz-object-lock-legal-hold": "ON" };
    const noDefault = async () => false;
    const withDefault = async () => true;
    const refusal = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return (e as S3Error).code;
      }
      return "accepted";
    };
    expect(await refusal(putLockRequestFrom(new Headers(hold), noDefault))).toBe("InvalidRequest");
    expect(
      await putLockRequestFrom(new Headers({ ...hold, "x-amz-checksum-crc32": "AAAAAA==" }), noDefault),
    ).toEqual({
      legalHold: true,
    });
    expect(
      await putLockRequestFrom(new Headers({ ...hold, "x-amz-trailer": "x-amz-checksum-crc32" }), noDefault),
    ).toEqual({ legalHold: true });
    expect(
      await putLockRequestFrom(new Headers({ "content-type": "text/plain" }), noDefault),
    ).toBeUndefined();
    expect(
      await refusal(putLockRequestFrom(new Headers({ "content-type": "text/plain" }), withDefault)),
    ).toBe("InvalidRequest");
    const digest = new Headers({ "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" });
    let looked = false;
    expect(
      await putLockRequestFrom(digest, async () => {
        looked = true;
        return true;
      }),
    ).toBeUndefined();
    expect(looked).toBe(false);
  });

  test("ISO 8601 timestamps with and without fractions and offsets", () => {
    expect(parseIsoTimestamp("2030-01-01T00:00:00.123Z")?.getTime()).toBe(Date.UTC(2030, 0, 1, 0, 0, 0, 123));
    expect(parseIsoTimestamp("2030-01-01T01:00:00+01:00")?.getTime()).toBe(Date.UTC(2030, 0, 1));
    for (const bad of ["2030-01-01", "tomorrow", "Tue, 01 Jan 2030 00:00:00 GMT", ""]) {
      expect(parseIsoTimestamp(bad)).toBeUndefined();
    }
  });
});

describe("request bodies", () => {
  const config = (inner: string) => xml(`<ObjectLockConfiguration>${inner}</ObjectLockConfiguration>`);
  const rule = (r: string) =>
    config(
      `<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>${r}</DefaultRetention></Rule>`,
    );

  test("ObjectLockConfiguration: enabled alone, or a default retention in days or years", () => {
    expect(objectLockConfigurationRequest(config("<ObjectLockEnabled>Enabled</ObjectLockEnabled>"))).toEqual(
      {},
    );
    expect(objectLockConfigurationRequest(rule("<Mode>GOVERNANCE</Mode><Days>30</Days>"))).toEqual({
      defaultRetention: { mode: "GOVERNANCE", days: 30 },
    });
    expect(objectLockConfigurationRequest(rule("<Years>7</Years><Mode>COMPLIANCE</Mode>"))).toEqual({
      defaultRetention: { mode: "COMPLIANCE", years: 7 },
    });
  });

  test("ObjectLockConfiguration faults: MalformedXML, or InvalidArgument for a period out of bounds", () => {
    for (const bad of [
      rule("<Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>"),
      rule("<Mode>GOVERNANCE</Mode>"),
      rule("<Mode>NONE</Mode><Days>1</Days>"),
      rule("<Mode>GOVERNANCE</Mode><Days>1.5</Days>"),
      config(""),
      config("<ObjectLockEnabled>Disabled</ObjectLockEnabled>"),
      xml("<LockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></LockConfiguration>"),
    ]) {
      expect(failure(() => objectLockConfigurationRequest(bad))[0]).toBe("MalformedXML");
    }
    expect(
      failure(() => objectLockConfigurationRequest(rule("<Mode>GOVERNANCE</Mode><Days>-1</Days>"))),
    ).toEqual(["InvalidArgument", "Days", "Default retention period must be a positive integer value."]);
    expect(
      failure(() => objectLockConfigurationRequest(rule("<Mode>GOVERNANCE</Mode><Days>36501</Days>"))),
    ).toEqual(["InvalidArgument", "Days", "Default retention period too large."]);
    expect(objectLockConfigurationRequest(rule("<Mode>GOVERNANCE</Mode><Years>100</Years>"))).toEqual({
      defaultRetention: { mode: "GOVERNANCE", years: 100 },
    });
  });

  test("Retention: mode and date, or neither (removal); a past date is InvalidArgument", () => {
    const now = Date.UTC(2030, 0, 1);
    expect(
      retentionRequest(
        xml(`<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>${future}</RetainUntilDate></Retention>`),
        now,
      ),
    ).toEqual({ mode: "GOVERNANCE", until: new Date(future) });
    expect(retentionRequest(xml("<Retention/>"), now)).toBeUndefined();
    expect(
      failure(() => retentionRequest(xml("<Retention><Mode>GOVERNANCE</Mode></Retention>"), now))[0],
    ).toBe("MalformedXML");
    expect(
      failure(() =>
        retentionRequest(
          xml(
            "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2029-12-31T00:00:00Z</RetainUntilDate></Retention>",
          ),
          now,
        ),
      ),
    ).toEqual(["InvalidArgument", "RetainUntilDate", "The retain until date must be in the future!"]);
  });

  test("LegalHold: ON or OFF", () => {
    expect(legalHoldRequest(xml("<LegalHold><Status>ON</Status></LegalHold>"))).toBe(true);
    expect(legalHoldRequest(xml("<LegalHold><Status>OFF</Status></LegalHold>"))).toBe(false);
    expect(failure(() => legalHoldRequest(xml("<LegalHold><Status>Off</Status></LegalHold>")))[0]).toBe(
      "MalformedXML",
    );
    expect(failure(() => legalHoldRequest(xml("<LegalHold/>")))[0]).toBe("MalformedXML");
  });
});
