import { toHttpDate } from "../lib/http-date.ts";
import { isStorageError, type VersionNotice } from "../storage/index.ts";
import { S3Error } from "./errors.ts";

/**
 * What S3 answers when a read meets a delete marker or no such version (StorageError.version):
 * a marker asked by id is 405 MethodNotAllowed, a key whose newest version is a marker 404
 * NoSuchKey, both with x-amz-delete-marker, x-amz-version-id and the marker's Last-Modified;
 * an unknown id is 404 NoSuchVersion, and an id this server never makes 400 InvalidArgument.
 */
export function versionS3Error(notice: VersionNotice, target?: { key: string; method?: string }): S3Error {
  const key: Record<string, string> = target?.key ? { Key: target.key } : {};
  switch (notice.reason) {
    case "InvalidVersionId":
      return new S3Error("InvalidArgument", "Invalid version id specified", {
        ArgumentName: "versionId",
        ArgumentValue: notice.versionId ?? "",
      });
    case "NoSuchVersion":
      return new S3Error("NoSuchVersion", "The specified version does not exist.", {
        ...key,
        VersionId: notice.versionId ?? "",
      });
    case "DeleteMarker": {
      const headers: Record<string, string> = { "x-amz-delete-marker": "true" };
      if (notice.versionId !== undefined) headers["x-amz-version-id"] = notice.versionId;
      if (notice.lastModified) headers["last-modified"] = toHttpDate(notice.lastModified);
      if (!notice.requested) return new S3Error("NoSuchKey", undefined, key, headers);
      const method: Record<string, string> = target?.method ? { Method: target.method } : {};
      return new S3Error(
        "MethodNotAllowed",
        undefined,
        { ...method, ResourceType: "DeleteMarker" },
        { ...headers, allow: "DELETE" },
      );
    }
  }
}

/**
 * A copy source that is a delete marker: named by id, 400 InvalidRequest as S3 answers; the
 * current version of the source key, a plain 404 NoSuchKey. Other errors pass unchanged.
 */
export function copySourceError(caught: unknown): unknown {
  if (!isStorageError(caught) || caught.version?.reason !== "DeleteMarker") return caught;
  if (!caught.version.requested) return new S3Error("NoSuchKey");
  return new S3Error(
    "InvalidRequest",
    "The source of a copy request may not specifically refer to a delete marker by version id.",
  );
}
