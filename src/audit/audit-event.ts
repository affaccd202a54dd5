import type { AccessLogEntry, FederatedIdentity } from "./access-log-entry.ts";
import { type AuditUserIdentity, userIdentityOf } from "./user-identity.ts";

/** Who made a call: the root credential, a user's key, an STS session, or nobody. */
export interface AuditPrincipal {
  /** "service": s3dir itself (the lifecycle worker, principal user "s3dir lifecycle"). */
  type: "root" | "user" | "session" | "anonymous" | "service";
  /** The user name (the parent user of a session); absent when anonymous. */
  user?: string;
  accessKeyId?: string;
  /** The assumed-role ARN of a session. */
  sessionArn?: string;
  /** The external identity (OIDC issuer and subject, or LDAP DN) behind a federated session. */
  federated?: FederatedIdentity;
}

/** One S3, STS or IAM call, as it is spooled and delivered. Never a secret, signature or token. */
export interface AuditEvent {
  time: string;
  requestId: string;
  host: string;
  principal: AuditPrincipal;
  /** The same caller in the shape of CloudTrail's userIdentity (src/audit/user-identity.ts). */
  userIdentity: AuditUserIdentity;
  sourceIp: string;
  userAgent: string;
  operation: string;
  method: string;
  bucket: string;
  key: string;
  /** The object version the call wrote, read or deleted (or the delete marker it made). */
  versionId?: string;
  /** The lifecycle rule that expired the object (events of the lifecycle worker only). */
  lifecycleRule?: string;
  status: number;
  errorCode?: string;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
}

/** Header names that may carry a credential; dropped even if a caller selects them. */
const secretHeader = /authorization|token|signature|credential|secret|cookie/i;

function withoutSecrets(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!secretHeader.test(name)) out[name] = value;
  return out;
}

export function auditEventOf(entry: AccessLogEntry, host: string): AuditEvent {
  const type = entry.principalKind === "" ? "anonymous" : entry.principalKind;
  const principal: AuditPrincipal = { type };
  if (entry.principal) principal.user = entry.principal;
  if (entry.accessKeyId) principal.accessKeyId = entry.accessKeyId;
  if (entry.sessionArn) principal.sessionArn = entry.sessionArn;
  if (entry.federated) principal.federated = entry.federated;
  return {
    time: entry.time,
    requestId: entry.requestId,
    host,
    principal,
    userIdentity: userIdentityOf(entry),
    sourceIp: entry.remoteIp,
    userAgent: entry.userAgent,
    operation: entry.operation,
    method: entry.method,
    bucket: entry.bucket,
    key: entry.key,
    ...(entry.versionId ? { versionId: entry.versionId } : {}),
    ...(entry.lifecycleRule ? { lifecycleRule: entry.lifecycleRule } : {}),
    status: entry.status,
    ...(entry.errorCode ? { errorCode: entry.errorCode } : {}),
    bytesIn: entry.bytesIn,
    bytesOut: entry.bytesOut,
    durationMs: entry.durationMs,
    requestHeaders: withoutSecrets(entry.requestHeaders),
    responseHeaders: withoutSecrets(entry.responseHeaders),
  };
}
