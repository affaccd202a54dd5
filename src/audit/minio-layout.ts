import type { AuditEvent } from "./audit-event.ts";

/**
 * One event in the layout MinIO's audit webhook sends (and Weka's, which is MinIO's), so that
 * dashboards and parsers built for those keep working: `api.*`, `requestHeader`, `responseHeader`,
 * `remotehost`, `requestID`. `timeToResponse` is a Go duration in nanoseconds ("1234000ns") and
 * `api.status` the HTTP status text, as MinIO writes them.
 */
export interface MinioAuditEntry {
  version: "1";
  deploymentid: string;
  time: string;
  trigger: "incoming" | "internal";
  api: {
    name: string;
    bucket?: string;
    object?: string;
    status: string;
    statusCode: number;
    rx: number;
    tx: number;
    timeToResponse: string;
  };
  remotehost: string;
  requestID: string;
  userAgent: string;
  accessKey?: string;
  parentUser?: string;
  requestHeader: Record<string, string>;
  responseHeader: Record<string, string>;
  tags: Record<string, string>;
}

const statusText: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  304: "Not Modified",
  307: "Temporary Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Payload Too Large",
  416: "Range Not Satisfiable",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  507: "Insufficient Storage",
};

/** MinIO names an LDAP session's parent user by the directory user's DN; others by their user. */
function parentUserOf(event: AuditEvent): string | undefined {
  const fed = event.principal.federated;
  return fed && fed.issuer === undefined ? fed.subject : event.principal.user;
}

export function minioAuditEntry(event: AuditEvent, deploymentId: string): MinioAuditEntry {
  const tags: Record<string, string> = { host: event.host, method: event.method };
  if (event.versionId) tags.versionId = event.versionId;
  if (event.errorCode) tags.errorCode = event.errorCode;
  if (event.lifecycleRule) tags.lifecycleRule = event.lifecycleRule;
  if (event.principal.sessionArn) tags.sessionArn = event.principal.sessionArn;
  return {
    version: "1",
    deploymentid: deploymentId,
    time: event.time,
    trigger: event.principal.type === "service" ? "internal" : "incoming",
    api: {
      name: event.operation,
      ...(event.bucket ? { bucket: event.bucket } : {}),
      ...(event.key ? { object: event.key } : {}),
      status: statusText[event.status] ?? String(event.status),
      statusCode: event.status,
      rx: event.bytesIn,
      tx: event.bytesOut,
      timeToResponse: `${Math.round(event.durationMs * 1_000_000)}ns`,
    },
    remotehost: event.sourceIp,
    requestID: event.requestId,
    userAgent: event.userAgent,
    ...(event.principal.accessKeyId ? { accessKey: event.principal.accessKeyId } : {}),
    ...(parentUserOf(event) ? { parentUser: parentUserOf(event) } : {}),
    requestHeader: event.requestHeaders,
    responseHeader: event.responseHeaders,
    tags,
  };
}
