/** Who an audit event names: CloudTrail's userIdentity shapes and MinIO's parentUser. */
import { describe, expect, test } from "bun:test";
import type { AccessLogEntry } from "../../src/audit/access-log-entry.ts";
import { auditEventOf } from "../../src/audit/audit-event.ts";
import { minioAuditEntry } from "../../src/audit/minio-layout.ts";

function entry(fields: Partial<AccessLogEntry>): AccessLogEntry {
  return {
    time: "2026-01-01T00:00:00.000Z",
    requestId: "R1",
    remoteIp: "127.0.0.1",
    principal: "",
    principalKind: "",
    accessKeyId: "",
    operation: "GetObject",
    method: "GET",
    bucket: "b",
    key: "k",
    status: 200,
    bytesIn: 0,
    bytesOut: 0,
    durationMs: 1,
    userAgent: "ua",
    requestHeaders: {},
    responseHeaders: {},
    ...fields,
  };
}

const dn = "uid=alice,ou=people,dc=example,dc=org";
const ldapSession = entry({
  principal: "alice",
  principalKind: "session",
  accessKeyId: "ASIAEXAMPLE",
  sessionArn: "arn:aws:sts::000000000000:assumed-role/ldap/alice",
  roleArn: "arn:aws:iam::000000000000:role/ldap",
  accountId: "000000000000",
  federated: { provider: "ldap", subject: dn },
});

describe("userIdentity", () => {
  test("root, IAM user, anonymous caller and the lifecycle worker", () => {
    const of = (e: Partial<AccessLogEntry>) => auditEventOf(entry(e), "h").userIdentity;
    expect(
      of({ principal: "root", principalKind: "root", accessKeyId: "AK", accountId: "111111111111" }),
    ).toEqual({
      type: "Root",
      arn: "arn:aws:iam::111111111111:root",
      accountId: "111111111111",
      accessKeyId: "AK",
    });
    expect(
      of({ principal: "bob", principalKind: "user", accessKeyId: "AK", accountId: "000000000000" }),
    ).toEqual({
      type: "IAMUser",
      arn: "arn:aws:iam::000000000000:user/bob",
      accountId: "000000000000",
      userName: "bob",
      accessKeyId: "AK",
    });
    expect(of({})).toEqual({ type: "AWSAccount", principalId: "", accountId: "anonymous" });
    expect(of({ principal: "s3dir lifecycle", principalKind: "service" })).toEqual({
      type: "AWSService",
      invokedBy: "s3dir lifecycle",
    });
  });

  test("a role session names the role that issued it; an LDAP session the user's DN", () => {
    expect(auditEventOf(ldapSession, "h").userIdentity).toEqual({
      type: "AssumedRole",
      arn: "arn:aws:sts::000000000000:assumed-role/ldap/alice",
      accountId: "000000000000",
      accessKeyId: "ASIAEXAMPLE",
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          arn: "arn:aws:iam::000000000000:role/ldap",
          accountId: "000000000000",
          userName: "ldap",
        },
        ldapUserDn: dn,
      },
    });
  });
});

describe("MinIO's layout", () => {
  test("an LDAP session's parentUser is the user's DN; other callers keep their user name", () => {
    expect(minioAuditEntry(auditEventOf(ldapSession, "h"), "d").parentUser).toBe(dn);
    const user = entry({
      principal: "bob",
      principalKind: "user",
      accessKeyId: "AK",
      accountId: "000000000000",
    });
    expect(minioAuditEntry(auditEventOf(user, "h"), "d").parentUser).toBe("bob");
  });
});
