/** One line of the access log: who did what to which object, and how it ended. Never a secret. */
export interface AccessLogEntry {
  time: string;
  requestId: string;
  remoteIp: string;
  /** User name ("root" for the root credential; the parent user for a session; "" when anonymous). */
  principal: string;
  principalKind: "root" | "user" | "session" | "anonymous" | "";
  /** The assumed-role ARN of an STS session. */
  sessionArn?: string;
  accessKeyId: string;
  operation: string;
  method: string;
  bucket: string;
  key: string;
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

const loggedRequestHeaders = [
  "content-length",
  "content-type",
  "content-md5",
  "range",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "x-amz-copy-source",
  "x-amz-copy-source-range",
  "x-amz-content-sha256",
  "x-amz-decoded-content-length",
  "x-amz-sdk-checksum-algorithm",
  "x-amz-server-side-encryption",
  "x-forwarded-for",
];

const loggedResponseHeaders = [
  "content-length",
  "content-type",
  "content-range",
  "etag",
  "last-modified",
  "x-amz-server-side-encryption",
];

function pick(headers: Headers, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

export function loggedRequestHeadersOf(headers: Headers): Record<string, string> {
  return pick(headers, loggedRequestHeaders);
}

export function loggedResponseHeadersOf(headers: Headers): Record<string, string> {
  return pick(headers, loggedResponseHeaders);
}

export type AccessLogSink = (entry: AccessLogEntry) => void;
