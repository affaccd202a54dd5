import { describe, expect, test } from "bun:test";
import { lifecycleConfigurationRequest } from "../../src/s3/bodies/lifecycle.ts";
import { S3Error } from "../../src/s3/errors.ts";
import { lifecycleXml } from "../../src/s3/handlers/bucket-lifecycle.ts";
import { parseXml } from "../../src/s3/xml/parse.ts";

const ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const doc = (rules: string) => parseXml(`<LifecycleConfiguration ${ns}>${rules}</LifecycleConfiguration>`);
const rule = (inner: string, status = "Enabled") => `<Rule>${inner}<Status>${status}</Status></Rule>`;
const parse = (rules: string) => lifecycleConfigurationRequest(doc(rules), () => "generated");

function refusal(rules: string): [string, string] {
  try {
    parse(rules);
  } catch (e) {
    if (e instanceof S3Error) return [e.code, e.message];
    throw e;
  }
  throw new Error("no error");
}

describe("PutBucketLifecycleConfiguration body", () => {
  test("every filter form, action and the legacy Prefix", () => {
    const config = parse(
      rule("<ID>a</ID><Filter><Prefix>logs/</Prefix></Filter><Expiration><Days>30</Days></Expiration>") +
        rule(
          "<ID>b</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag>" +
            "<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter>" +
            "<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration>",
          "Disabled",
        ) +
        rule(
          "<Filter></Filter><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>" +
            "<NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration>" +
            "<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
        ) +
        rule("<ID>d</ID><Prefix>old/</Prefix><Expiration><Days>1</Days></Expiration>") +
        rule(
          "<ID>e</ID><Filter><Tag><Key>t</Key><Value>1</Value></Tag></Filter><Expiration><Days>1</Days></Expiration>",
        ) +
        rule(
          "<ID>f</ID><Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter><Expiration><Days>1</Days></Expiration>",
        ),
    );
    expect(config.rules).toEqual([
      { id: "a", enabled: true, filter: { prefix: "logs/" }, expiration: { days: 30 } },
      {
        id: "b",
        enabled: false,
        filter: {
          prefix: "p/",
          tags: [
            { key: "k", value: "v" },
            { key: "k2", value: "" },
          ],
          sizeGreaterThan: 10,
          sizeLessThan: 100,
        },
        expiration: { date: new Date("2030-01-01T00:00:00Z") },
      },
      {
        id: "generated",
        enabled: true,
        filter: {},
        expiration: { expiredObjectDeleteMarker: true },
        noncurrentVersionExpiration: { noncurrentDays: 7, newerNoncurrentVersions: 3 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 2 },
      },
      { id: "d", enabled: true, filter: { prefix: "old/" }, expiration: { days: 1 }, topLevelPrefix: true },
      { id: "e", enabled: true, filter: { tags: [{ key: "t", value: "1" }] }, expiration: { days: 1 } },
      { id: "f", enabled: true, filter: { sizeLessThan: 5 }, expiration: { days: 1 } },
    ]);
    // Rendered back in the form it came in.
    const xml = lifecycleXml(config);
    expect(xml).toContain(
      "<Rule><ID>a</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>",
    );
    expect(xml).toContain("<Rule><ID>d</ID><Prefix>old/</Prefix><Status>Enabled</Status>");
    expect(xml).toContain("<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration>");
    expect(xml).toContain("<Filter></Filter>");
    expect(xml).toContain(
      "<And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And>",
    );
  });

  test("what does not fit the schema is MalformedXML", () => {
    const days = "<Expiration><Days>1</Days></Expiration>";
    for (const rules of [
      "",
      rule(`<Filter/>${days}`, "enabled"),
      `<Rule><Filter/>${days}</Rule>`,
      rule(days),
      rule(`<Filter/><Prefix>a</Prefix>${days}`),
      rule(`<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter>${days}`),
      rule(
        `<Filter><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>j</Key><Value>v</Value></Tag></Filter>${days}`,
      ),
      rule(`<Filter><And></And></Filter>${days}`),
      rule("<Filter/><Expiration></Expiration>"),
      rule("<Filter/><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>"),
      rule(
        "<Filter/><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
      ),
      rule("<Filter/><Expiration><Days>x</Days></Expiration>"),
      rule("<Filter/><Expiration><Date>20300101</Date></Expiration>"),
      rule("<Filter/><Expiration><ExpiredObjectDeleteMarker>yes</ExpiredObjectDeleteMarker></Expiration>"),
      rule(`<Filter/>${days}`).repeat(1001),
    ]) {
      expect(refusal(rules)[0]).toBe("MalformedXML");
    }
  });

  test("values and combinations S3 refuses, with its codes and messages", () => {
    const cases: [string, string, string][] = [
      [
        rule(`<ID>${"x".repeat(256)}</ID><Filter/><Expiration><Days>1</Days></Expiration>`),
        "InvalidArgument",
        "ID length should not exceed allowed limit of 255",
      ],
      [
        rule("<ID>a</ID><Filter/><Expiration><Days>1</Days></Expiration>").repeat(2),
        "InvalidArgument",
        "Rule ID must be unique. Found same ID for more than one rule",
      ],
      [
        rule("<Filter/><Expiration><Days>0</Days></Expiration>"),
        "InvalidArgument",
        "'Days' for Expiration action must be a positive integer",
      ],
      [
        rule("<Filter/><Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>"),
        "InvalidArgument",
        "'Date' must be at midnight GMT",
      ],
      [
        rule(
          "<Filter/><NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>",
        ),
        "InvalidArgument",
        "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
      ],
      [
        rule(
          "<Filter/><NoncurrentVersionExpiration><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>",
        ),
        "InvalidArgument",
        "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
      ],
      [
        rule(
          "<Filter/><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>",
        ),
        "InvalidArgument",
        "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must not exceed 100",
      ],
      [
        rule(
          "<Filter/><AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
        ),
        "InvalidArgument",
        "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer",
      ],
      [rule("<ID>a</ID><Filter/>"), "InvalidRequest", "At least one action needs to be specified in a rule"],
      [
        rule(
          "<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
        ),
        "InvalidRequest",
        "ExpiredObjectDeleteMarker cannot be specified with Tags.",
      ],
      [
        rule(
          "<Filter><And><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
        ),
        "InvalidRequest",
        "AbortIncompleteMultipartUpload cannot be specified with Tags.",
      ],
      [
        rule(
          "<Filter><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
        ),
        "InvalidRequest",
        "AbortIncompleteMultipartUpload cannot be specified with Object Size.",
      ],
      [
        rule(
          "<Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter><Expiration><Days>1</Days></Expiration>",
        ),
        "InvalidArgument",
        "'ObjectSizeGreaterThan' must be less than 'ObjectSizeLessThan'",
      ],
      [
        rule(
          "<Filter><Tag><Key></Key><Value>v</Value></Tag></Filter><Expiration><Days>1</Days></Expiration>",
        ),
        "InvalidTag",
        "The TagKey you have provided is invalid",
      ],
    ];
    for (const [rules, code, message] of cases) expect(refusal(rules)).toEqual([code, message]);
  });

  test("Transition and NoncurrentVersionTransition are InvalidStorageClass", () => {
    for (const action of [
      "<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>",
      "<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>STANDARD_IA</StorageClass></NoncurrentVersionTransition>",
    ]) {
      const [code, message] = refusal(rule(`<Filter/><Expiration><Days>1</Days></Expiration>${action}`));
      expect(code).toBe("InvalidStorageClass");
      expect(message).toContain("one storage class");
    }
  });
});
