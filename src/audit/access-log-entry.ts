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
