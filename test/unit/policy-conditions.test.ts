// biome-ignore-all lint/suspicious/noTemplateCurlyInString: policy variables like ${aws:username} are literal policy text
/** Condition operators, one row per case: operator block, request keys, expected truth. */
import { describe, expect, test } from "bun:test";
import { evaluate, parsePolicy, type RequestContext } from "../../src/auth/policy/index.ts";
import { cidrContains, parseCidr } from "../../src/auth/policy/ip-cidr.ts";

type Keys = RequestContext["conditionKeys"];

function holds(condition: object, keys: Keys, username = "alice"): boolean {
  const policy = parsePolicy(
    {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: condition },
    },
    "identity",
  );
  const principal = {
    type: "user" as const,
    arn: "arn:aws:iam::111122223333:user/alice",
    username,
    userid: "AIDA1",
  };
  return (
    evaluate(
      { identity: [policy] },
      { action: "s3:GetObject", resource: "arn:aws:s3:::b/k", principal, conditionKeys: keys },
    ).decision === "Allow"
  );
}

const rows: [string, object, Keys, boolean][] = [
  // strings
  ["StringEquals match", { StringEquals: { "s3:prefix": "a/" } }, { "s3:prefix": "a/" }, true],
  ["StringEquals is case-sensitive", { StringEquals: { "s3:prefix": "a/" } }, { "s3:prefix": "A/" }, false],
  ["StringEquals values OR", { StringEquals: { "s3:prefix": ["x", "a/"] } }, { "s3:prefix": "a/" }, true],
  ["StringEquals missing key → false", { StringEquals: { "s3:prefix": "a/" } }, {}, false],
  ["StringEqualsIfExists missing key → true", { StringEqualsIfExists: { "s3:prefix": "a/" } }, {}, true],
  [
    "StringEqualsIfExists present, mismatch",
    { StringEqualsIfExists: { "s3:prefix": "a/" } },
    { "s3:prefix": "b" },
    false,
  ],
  ["StringNotEquals missing key → true (AWS)", { StringNotEquals: { "s3:prefix": "a/" } }, {}, true],
  [
    "StringNotEquals present, differs",
    { StringNotEquals: { "s3:prefix": ["a/", "b/"] } },
    { "s3:prefix": "c/" },
    true,
  ],
  [
    "StringNotEquals present, equal to one",
    { StringNotEquals: { "s3:prefix": ["a/", "b/"] } },
    { "s3:prefix": "b/" },
    false,
  ],
  [
    "StringEqualsIgnoreCase",
    { StringEqualsIgnoreCase: { "aws:UserAgent": "Boto3" } },
    { "aws:UserAgent": "boto3" },
    true,
  ],
  [
    "StringNotEqualsIgnoreCase",
    { StringNotEqualsIgnoreCase: { "aws:UserAgent": "Boto3" } },
    { "aws:UserAgent": "BOTO3" },
    false,
  ],
  [
    "StringLike wildcard",
    { StringLike: { "aws:Referer": "https://example.com/*" } },
    { "aws:Referer": "https://example.com/p" },
    true,
  ],
  ["StringLike ?", { StringLike: { "s3:prefix": "a?c" } }, { "s3:prefix": "abc" }, true],
  ["StringLike ? needs one char", { StringLike: { "s3:prefix": "a?c" } }, { "s3:prefix": "ac" }, false],
  ["StringLike empty value matches empty", { StringLike: { "s3:prefix": "" } }, { "s3:prefix": "" }, true],
  ["StringNotLike", { StringNotLike: { "s3:prefix": "private/*" } }, { "s3:prefix": "private/x" }, false],
  ["StringNotLike missing key → true", { StringNotLike: { "s3:prefix": "private/*" } }, {}, true],
  [
    "condition key names are case-insensitive",
    { StringEquals: { "S3:Prefix": "a" } },
    { "s3:prefix": "a" },
    true,
  ],
  // variables in values
  [
    "${aws:username} in value",
    { StringLike: { "s3:prefix": "home/${aws:username}/*" } },
    { "s3:prefix": "home/alice/x" },
    true,
  ],
  [
    "${aws:username} other user",
    { StringLike: { "s3:prefix": "home/${aws:username}/*" } },
    { "s3:prefix": "home/bob/x" },
    false,
  ],
  ["${aws:userid}", { StringEquals: { "s3:prefix": "${aws:userid}" } }, { "s3:prefix": "AIDA1" }, true],
  [
    "variable from request key",
    { StringEquals: { "s3:prefix": "${aws:SourceIp}" } },
    { "s3:prefix": "1.2.3.4", "aws:SourceIp": "1.2.3.4" },
    true,
  ],
  [
    "missing variable → value does not match",
    { StringEquals: { "s3:prefix": "${aws:SourceIp}" } },
    { "s3:prefix": "" },
    false,
  ],
  [
    "variable default",
    { StringEquals: { "s3:prefix": "${aws:SourceIp, 'none'}" } },
    { "s3:prefix": "none" },
    true,
  ],
  ["${*} literal in StringLike", { StringLike: { "s3:prefix": "a${*}" } }, { "s3:prefix": "a*" }, true],
  ["${*} not a wildcard", { StringLike: { "s3:prefix": "a${*}" } }, { "s3:prefix": "ab" }, false],
  ["${$} and ${?}", { StringEquals: { "s3:prefix": "${$}${?}" } }, { "s3:prefix": "$?" }, true],
  // numeric
  [
    "NumericLessThanEquals",
    { NumericLessThanEquals: { "s3:max-keys": "10" } },
    { "s3:max-keys": "10" },
    true,
  ],
  ["NumericLessThan", { NumericLessThan: { "s3:max-keys": 10 } }, { "s3:max-keys": "10" }, false],
  ["NumericGreaterThan", { NumericGreaterThan: { "s3:max-keys": 10 } }, { "s3:max-keys": "11" }, true],
  [
    "NumericGreaterThanEquals",
    { NumericGreaterThanEquals: { "s3:max-keys": 10 } },
    { "s3:max-keys": "9" },
    false,
  ],
  ["NumericEquals", { NumericEquals: { "s3:max-keys": "1e1" } }, { "s3:max-keys": "10" }, true],
  ["NumericNotEquals", { NumericNotEquals: { "s3:max-keys": 10 } }, { "s3:max-keys": "10" }, false],
  [
    "Numeric with non-number request value",
    { NumericLessThan: { "s3:max-keys": 10 } },
    { "s3:max-keys": "x" },
    false,
  ],
  // dates
  [
    "DateLessThan ISO",
    { DateLessThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "2026-11-28T03:00:00Z" },
    true,
  ],
  [
    "DateGreaterThan ISO",
    { DateGreaterThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" } },
    { "aws:CurrentTime": "2026-11-28T03:00:00Z" },
    false,
  ],
  [
    "Date epoch vs ISO",
    { DateGreaterThanEquals: { "aws:EpochTime": "2020-01-01T00:00:00Z" } },
    { "aws:EpochTime": "1577836800" },
    true,
  ],
  [
    "DateEquals epoch",
    { DateEquals: { "aws:EpochTime": 1577836800 } },
    { "aws:EpochTime": "2020-01-01T00:00:00Z" },
    true,
  ],
  [
    "DateNotEquals",
    { DateNotEquals: { "aws:EpochTime": 1577836800 } },
    { "aws:EpochTime": "1577836801" },
    true,
  ],
  [
    "DateLessThanEquals",
    { DateLessThanEquals: { "aws:CurrentTime": "2020-01-01" } },
    { "aws:CurrentTime": "2020-01-01T00:00:00Z" },
    true,
  ],
  // bool, null
  ["Bool true", { Bool: { "aws:SecureTransport": "true" } }, { "aws:SecureTransport": "true" }, true],
  ["Bool JSON boolean", { Bool: { "aws:SecureTransport": false } }, { "aws:SecureTransport": "true" }, false],
  ["Bool missing → false", { Bool: { "aws:SecureTransport": "false" } }, {}, false],
  ["BoolIfExists missing → true", { BoolIfExists: { "aws:SecureTransport": "true" } }, {}, true],
  ["Null true: key absent", { Null: { "s3:x-amz-content-sha256": "true" } }, {}, true],
  [
    "Null true: key present",
    { Null: { "s3:x-amz-content-sha256": "true" } },
    { "s3:x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    false,
  ],
  [
    "Null false: key present",
    { Null: { "s3:signatureversion": "false" } },
    { "s3:signatureversion": "AWS4-HMAC-SHA256" },
    true,
  ],
  [
    "Null false: undefined value counts as absent",
    { Null: { "s3:signatureversion": "false" } },
    { "s3:signatureversion": undefined },
    false,
  ],
  // IP
  [
    "IpAddress v4 CIDR",
    { IpAddress: { "aws:SourceIp": "10.1.0.0/16" } },
    { "aws:SourceIp": "10.1.200.3" },
    true,
  ],
  [
    "IpAddress v4 single",
    { IpAddress: { "aws:SourceIp": "10.1.0.1" } },
    { "aws:SourceIp": "10.1.0.2" },
    false,
  ],
  ["IpAddress /0", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }, { "aws:SourceIp": "8.8.8.8" }, true],
  [
    "IpAddress v6",
    { IpAddress: { "aws:SourceIp": "2001:db8::/32" } },
    { "aws:SourceIp": "2001:DB8:ffff::1" },
    true,
  ],
  [
    "IpAddress v6 outside",
    { IpAddress: { "aws:SourceIp": "2001:db8::/32" } },
    { "aws:SourceIp": "2001:db9::1" },
    false,
  ],
  [
    "IpAddress v4 never matches v6 block",
    { IpAddress: { "aws:SourceIp": "::/0" } },
    { "aws:SourceIp": "1.2.3.4" },
    false,
  ],
  [
    "NotIpAddress",
    { NotIpAddress: { "aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"] } },
    { "aws:SourceIp": "172.16.0.1" },
    true,
  ],
  [
    "NotIpAddress inside one",
    { NotIpAddress: { "aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"] } },
    { "aws:SourceIp": "192.168.1.1" },
    false,
  ],
  [
    "IpAddress garbage request value",
    { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } },
    { "aws:SourceIp": "nope" },
    false,
  ],
  // ARN
  ["ArnLike", { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:user/a*" } }, {}, true],
  [
    "ArnEquals exact",
    { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::111122223333:user/alice" } },
    {},
    true,
  ],
  ["ArnNotLike", { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:user/*" } }, {}, false],
  [
    "ArnNotEquals other",
    { ArnNotEquals: { "aws:SourceArn": "arn:aws:s3:::x" } },
    { "aws:SourceArn": "arn:aws:s3:::y" },
    true,
  ],
  [
    "ArnLike wildcard stays within a component",
    { ArnLike: { "aws:SourceArn": "arn:aws:s3:*" } },
    { "aws:SourceArn": "arn:aws:s3:::b" },
    false,
  ],
  [
    "ArnLike resource keeps colons",
    { ArnLike: { "aws:SourceArn": "arn:aws:s3:::b:*" } },
    { "aws:SourceArn": "arn:aws:s3:::b:x:y" },
    true,
  ],
  // set qualifiers, multi-valued keys
  [
    "ForAnyValue one matches",
    { "ForAnyValue:StringEquals": { "s3:tags": ["a", "b"] } },
    { "s3:tags": ["c", "b"] },
    true,
  ],
  ["ForAnyValue none", { "ForAnyValue:StringEquals": { "s3:tags": ["a"] } }, { "s3:tags": ["c"] }, false],
  ["ForAnyValue missing → false", { "ForAnyValue:StringEquals": { "s3:tags": ["a"] } }, {}, false],
  [
    "ForAllValues all match",
    { "ForAllValues:StringLike": { "s3:tags": ["a*", "b"] } },
    { "s3:tags": ["ax", "b"] },
    true,
  ],
  [
    "ForAllValues one fails",
    { "ForAllValues:StringLike": { "s3:tags": ["a*"] } },
    { "s3:tags": ["ax", "b"] },
    false,
  ],
  ["ForAllValues missing → true", { "ForAllValues:StringEquals": { "s3:tags": ["a"] } }, {}, true],
  [
    "ForAllValues:StringNotEquals",
    { "ForAllValues:StringNotEquals": { "s3:tags": ["secret"] } },
    { "s3:tags": ["a", "b"] },
    true,
  ],
  [
    "multi-valued without qualifier: any",
    { StringEquals: { "s3:tags": "b" } },
    { "s3:tags": ["a", "b"] },
    true,
  ],
  // combination rules
  [
    "keys AND within operator",
    { StringEquals: { "s3:prefix": "a", "s3:delimiter": "/" } },
    { "s3:prefix": "a", "s3:delimiter": "|" },
    false,
  ],
  [
    "keys AND: both",
    { StringEquals: { "s3:prefix": "a", "s3:delimiter": "/" } },
    { "s3:prefix": "a", "s3:delimiter": "/" },
    true,
  ],
  [
    "operators AND",
    { StringEquals: { "s3:prefix": "a" }, NumericLessThan: { "s3:max-keys": 5 } },
    { "s3:prefix": "a", "s3:max-keys": "7" },
    false,
  ],
  [
    "ExistingObjectTag",
    { StringEquals: { "s3:ExistingObjectTag/team": "blue" } },
    { "s3:ExistingObjectTag/team": "blue" },
    true,
  ],
  [
    "authType",
    { StringEquals: { "s3:authType": "REST-QUERY-STRING" } },
    { "s3:authType": "REST-HEADER" },
    false,
  ],
];

describe("condition operators", () => {
  for (const [name, condition, keys, expected] of rows) {
    test(name, () => expect(holds(condition, keys)).toBe(expected));
  }
});

describe("ip parsing", () => {
  test("edge cases", () => {
    expect(parseCidr("::1")).toBeDefined();
    expect(parseCidr("1.2.3")).toBeUndefined();
    expect(parseCidr("1.2.3.256")).toBeUndefined();
    expect(parseCidr("1::2::3")).toBeUndefined();
    expect(parseCidr("2001:db8::/129")).toBeUndefined();
    expect(cidrContains(parseCidr("64:ff9b::/96")!, "64:ff9b::192.0.2.1")).toBe(true);
    expect(cidrContains(parseCidr("1:2:3:4:5:6:7:8")!, "1:2:3:4:5:6:7:8")).toBe(true);
  });
});
