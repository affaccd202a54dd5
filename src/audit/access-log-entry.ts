/**
 * The external identity behind a federated session: an OpenID Connect token's issuer and subject
 * (provider: its name in `s3dir oidc list`), or an LDAP user's DN (provider "ldap").
 */
export interface FederatedIdentity {
  provider: string;
  /** The OIDC token's `iss`; absent for LDAP. */
  issuer?: string;
  /** The OIDC token's `sub`, or the LDAP user's distinguished name. */
  subject: string;
  /** True on the unsigned call that exchanged the identity for the session (the login itself). */
  login?: boolean;
}

/** One line of the access log: who did what to which object, and how it ended. Never a secret. */
export interface AccessLogEntry {
  time: string;
  requestId: string;
  remoteIp: string;
  /** User name ("root" for the root credential; the parent user for a session; "" when anonymous). */
  principal: string;
  principalKind: "root" | "user" | "session" | "anonymous" | "service" | "";
  /** The assumed-role ARN of an STS session. */
  sessionArn?: string;
  /** The role ARN an STS session was issued for. */
  roleArn?: string;
  /** The account the principal acts in (absent when anonymous). */
  accountId?: string;
  /** Who an external identity provider said the caller of a federated session is. */
  federated?: FederatedIdentity;
  accessKeyId: string;
  /** "AWS" on requests signed with Signature Version 2: the clients to move before `--sigv2 off`. */
  signatureVersion?: "AWS";
  operation: string;
  method: string;
  bucket: string;
  key: string;
  /** The object version written, read or deleted (or the marker made), when the request had one. */
  versionId?: string;
  /** The lifecycle rule that expired the object (events of the lifecycle worker only). */
  lifecycleRule?: string;
  status: number;
  errorCode?: string;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  userAgent: string;
  /** Selected request and response headers (never Authorization, tokens or signatures). */
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
}
