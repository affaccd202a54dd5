/** The pure parts of ACLs: canned ACLs, grant headers, AccessControlPolicy bodies, public policies. */
import { describe, expect, test } from "bun:test";
import { parseBucketPolicy } from "../../src/auth/policy/index.ts";
import { isPublicAcl } from "../../src/s3/acl/acl.ts";
import { parseAclXml } from "../../src/s3/acl/acl-xml.ts";
import { cannedAcl } from "../../src/s3/acl/canned.ts";
import { aclFromHeaders } from "../../src/s3/acl/grant-headers.ts";
import { isPublicPolicy } from "../../src/s3/acl/public-policy.ts";
import { parseXml } from "../../src/s3/xml/parse.ts";

const owner = "a".repeat(64);
const other = "b".repeat(64);
const allUsers = "http://acs.amazonaws.com/groups/global/AllUsers";

describe("canned ACLs", () => {
  test("bucket-owner-* grant the bucket owner when it is not the object's owner", () => {
    expect(cannedAcl("bucket-owner-full-control", other, owner).grants).toEqual([
      { grantee: { kind: "user", id: other }, permission: "FULL_CONTROL" },
      { grantee: { kind: "user", id: owner }, permission: "FULL_CONTROL" },
    ]);
    expect(cannedAcl("bucket-owner-read", other, owner).grants[1]).toEqual({
      grantee: { kind: "user", id: owner },
      permission: "READ",
    });
    expect(cannedAcl("bucket-owner-read", owner, owner).grants).toHaveLength(1);
  });

  test("public ones are those that grant AllUsers or AuthenticatedUsers", () => {
    const publicOnes = (
      [
        "private",
        "public-read",
        "public-read-write",
        "authenticated-read",
        "aws-exec-read",
        "log-delivery-write",
      ] as const
    ).filter((n) => isPublicAcl(cannedAcl(n, owner, owner)));
    expect(publicOnes).toEqual(["public-read", "public-read-write", "authenticated-read"]);
  });
});

describe("x-amz-grant-* headers", () => {
  test("several grantees in one header, of both kinds, each header its permission", () => {
    const headers = new Headers({
      "x-amz-grant-read": `uri="${allUsers}", id="${other}"`,
      "x-amz-grant-write-acp": `id="${owner}"`,
    });
    expect(aclFromHeaders(headers, owner, owner)?.grants).toEqual([
      { grantee: { kind: "group", group: "AllUsers" }, permission: "READ" },
      { grantee: { kind: "user", id: other }, permission: "READ" },
      { grantee: { kind: "user", id: owner }, permission: "WRITE_ACP" },
    ]);
  });

  test("none: undefined; malformed values are InvalidArgument", () => {
    expect(aclFromHeaders(new Headers(), owner, owner)).toBeUndefined();
    expect(() => aclFromHeaders(new Headers({ "x-amz-grant-read": "everyone" }), owner, owner)).toThrow();
    expect(() =>
      aclFromHeaders(new Headers({ "x-amz-grant-read": 'uri="http://example.com/group"' }), owner, owner),
    ).toThrow("Invalid group uri");
  });
});

describe("AccessControlPolicy bodies", () => {
  test("xsi:type under any prefix; the owner must be the resource's", () => {
    const body = (id: string) =>
      parseXml(
        new TextEncoder().encode(
          `<AccessControlPolicy><Owner><ID>${id}</ID></Owner><AccessControlList><Grant><Grantee xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:type="Group"><URI>${allUsers}</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`,
        ),
      );
    expect(parseAclXml(body(owner), owner).grants).toEqual([
      { grantee: { kind: "group", group: "AllUsers" }, permission: "READ" },
    ]);
    expect(() => parseAclXml(body(other), owner)).toThrow();
  });
});

describe("public policies", () => {
  const policy = (statement: object) =>
    parseBucketPolicy(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", ...statement }],
      }),
      "b",
    );

  test("Principal * is public unless a condition pins a limiting key to fixed values", () => {
    expect(isPublicPolicy(policy({ Principal: "*" }))).toBe(true);
    expect(isPublicPolicy(policy({ Principal: { AWS: "*" } }))).toBe(true);
    expect(
      isPublicPolicy(policy({ Principal: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })),
    ).toBe(false);
    expect(
      isPublicPolicy(policy({ Principal: "*", Condition: { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } } })),
    ).toBe(true);
    expect(
      isPublicPolicy(policy({ Principal: "*", Condition: { StringLike: { "aws:SourceArn": "*" } } })),
    ).toBe(true);
    expect(
      isPublicPolicy(
        policy({ Principal: "*", Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } } }),
      ),
    ).toBe(false);
    expect(
      isPublicPolicy(policy({ Principal: "*", Condition: { StringEquals: { "s3:prefix": "public/" } } })),
    ).toBe(true);
    expect(isPublicPolicy(policy({ Principal: { AWS: "arn:aws:iam::000000000000:user/bob" } }))).toBe(false);
  });
});
