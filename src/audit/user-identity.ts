import type { AccessLogEntry } from "./access-log-entry.ts";

/** The role that issued a session, as CloudTrail's `sessionContext.sessionIssuer` names it. */
export interface AuditSessionIssuer {
  type: "Role";
  arn: string;
  accountId: string;
  userName: string;
}

/**
 * Who made a call, in the shape of CloudTrail's `userIdentity` element, so that tools built for
 * AWS's audit trail read it. AWS has no LDAP: an LDAP login is `LDAPUser` (its DN as userName),
 * and a session an LDAP login started carries the DN in `sessionContext.ldapUserDn`.
 */
export interface AuditUserIdentity {
  type: "Root" | "IAMUser" | "AssumedRole" | "WebIdentityUser" | "LDAPUser" | "AWSAccount" | "AWSService";
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  /** WebIdentityUser: the token's issuer; LDAPUser: "ldap". */
  identityProvider?: string;
  /** AWSService: the part of s3dir that made the call. */
  invokedBy?: string;
  sessionContext?: {
    sessionIssuer: AuditSessionIssuer;
    /** A web identity session: its provider (the issuer) and the token's subject. */
    webIdFederationData?: { federatedProvider: string; attributes: { sub: string } };
    /** A session an LDAP login started: the directory user's DN. */
    ldapUserDn?: string;
  };
}

/** The name of a role ARN's role (`arn:aws:iam::1:role/path/Name` → `Name`). */
function roleNameOf(roleArn: string): string {
  return roleArn.split(":").slice(5).join(":").split("/").at(-1) || "role";
}

function issuerOf(entry: AccessLogEntry, accountId: string): AuditSessionIssuer {
  const arn = entry.roleArn ?? "";
  return { type: "Role", arn, accountId, userName: roleNameOf(arn) };
}

/** The CloudTrail-like identity of an access-log entry's caller. */
export function userIdentityOf(entry: AccessLogEntry): AuditUserIdentity {
  const accountId = entry.accountId ?? "";
  const key = entry.accessKeyId ? { accessKeyId: entry.accessKeyId } : {};
  const fed = entry.federated;
  switch (entry.principalKind) {
    case "root":
      return { type: "Root", arn: `arn:aws:iam::${accountId}:root`, accountId, ...key };
    case "user":
      return {
        type: "IAMUser",
        arn: `arn:aws:iam::${accountId}:user/${entry.principal}`,
        accountId,
        userName: entry.principal,
        ...key,
      };
    case "service":
      return { type: "AWSService", invokedBy: entry.principal };
    case "session": {
      if (fed?.login && fed.issuer !== undefined)
        return {
          type: "WebIdentityUser",
          principalId: `${fed.issuer}:${fed.subject}`,
          userName: fed.subject,
          identityProvider: fed.issuer,
        };
      if (fed?.login)
        return {
          type: "LDAPUser",
          principalId: fed.subject,
          userName: fed.subject,
          identityProvider: "ldap",
        };
      const sessionContext: NonNullable<AuditUserIdentity["sessionContext"]> = {
        sessionIssuer: issuerOf(entry, accountId),
      };
      if (fed?.issuer !== undefined)
        sessionContext.webIdFederationData = {
          federatedProvider: fed.issuer,
          attributes: { sub: fed.subject },
        };
      else if (fed) sessionContext.ldapUserDn = fed.subject;
      return {
        type: "AssumedRole",
        ...(entry.sessionArn ? { arn: entry.sessionArn } : {}),
        accountId,
        ...key,
        sessionContext,
      };
    }
    default:
      return { type: "AWSAccount", principalId: "", accountId: "anonymous" };
  }
}
