/**
 * Lifecycle deletions as audit events: each is recorded like a call made by the principal
 * "s3dir lifecycle" (kind "service"), under AWS's lifecycle event name, with the rule that
 * expired it, so that the audit webhook sees every deletion whoever made it.
 */
import type { AccessLogEntry } from "../audit/access-log-entry.ts";
import { newRequestId } from "../s3/request-id.ts";
import type { LifecycleEvent } from "../storage/index.ts";

export const LIFECYCLE_PRINCIPAL = "s3dir lifecycle";

export function lifecycleAuditEntry(event: LifecycleEvent): AccessLogEntry {
  return {
    time: event.time.toISOString(),
    requestId: newRequestId(),
    remoteIp: "",
    principal: LIFECYCLE_PRINCIPAL,
    principalKind: "service",
    accessKeyId: "",
    operation: event.operation,
    method: "DELETE",
    bucket: event.bucket,
    key: event.key,
    ...(event.versionId !== undefined ? { versionId: event.versionId } : {}),
    lifecycleRule: event.ruleId,
    status: 204,
    bytesIn: 0,
    bytesOut: 0,
    durationMs: 0,
    userAgent: "s3dir-lifecycle",
    requestHeaders: {},
    responseHeaders: event.uploadId ? { "x-amz-upload-id": event.uploadId } : {},
  };
}
