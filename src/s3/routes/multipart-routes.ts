/** Multipart uploads: create, parts (uploaded or copied), complete, abort, and their listings. Rows of the route table (../routes.ts). */
import { completeMultipartUpload } from "../handlers/multipart-complete.ts";
import { abortMultipartUpload, createMultipartUpload } from "../handlers/multipart-create.ts";
import { listMultipartUploads, listParts } from "../handlers/multipart-list.ts";
import { uploadPart, uploadPartCopy } from "../handlers/multipart-upload-part.ts";
import type { Route } from "../route.ts";

export const multipartRoutes = [
  {
    operation: "CreateMultipartUpload",
    method: "POST",
    scope: "object",
    sub: "uploads",
    action: "s3:PutObject",
    handler: createMultipartUpload,
    writes: true,
    status: "supported",
    notes:
      "checksum algorithm and type, SSE-S3, SSE-KMS, SSE-C, `x-amz-object-lock-*` and `x-amz-tagging` (applied at completion)",
  },
  {
    operation: "UploadPart",
    method: "PUT",
    scope: "object",
    param: "uploadId",
    action: "s3:PutObject",
    handler: uploadPart,
    writes: true,
    status: "supported",
    notes: "parts 1…10,000; any host takes any part",
  },
  {
    operation: "UploadPartCopy",
    method: "PUT",
    scope: "object",
    param: "uploadId",
    header: "x-amz-copy-source",
    action: "s3:PutObject",
    handler: uploadPartCopy,
    writes: true,
    status: "supported",
    notes:
      "also `s3:GetObject` on the source (`s3:GetObjectVersion` with a source `versionId`); `x-amz-copy-source-range`, source conditions, encrypted sources; any version of the source, answered in `x-amz-copy-source-version-id`",
  },
  {
    operation: "CompleteMultipartUpload",
    method: "POST",
    scope: "object",
    param: "uploadId",
    action: "s3:PutObject",
    handler: completeMultipartUpload,
    writes: true,
    status: "supported",
    notes:
      "every part but the last ≥ 5 MiB (`EntityTooSmall`); `InvalidPart`, `InvalidPartOrder`; `If-Match`/`If-None-Match: *`; `x-amz-mp-object-size`; a Complete that takes over 2 s answers 200 and keeps the connection alive with spaces until its result (its `x-amz-version-id` is chosen when it begins, so it goes out with the first byte); a Complete repeated within the hour answers 200 with the object's ETag while the key still holds it",
  },
  {
    operation: "AbortMultipartUpload",
    method: "DELETE",
    scope: "object",
    param: "uploadId",
    action: "s3:AbortMultipartUpload",
    handler: abortMultipartUpload,
    status: "supported",
    notes: "",
  },
  {
    operation: "ListParts",
    method: "GET",
    scope: "object",
    param: "uploadId",
    action: "s3:ListMultipartUploadParts",
    handler: listParts,
    status: "supported",
    notes: "`max-parts`, `part-number-marker`, `encoding-type`",
  },
  {
    operation: "ListMultipartUploads",
    method: "GET",
    scope: "bucket",
    sub: "uploads",
    action: "s3:ListBucketMultipartUploads",
    handler: listMultipartUploads,
    status: "supported",
    notes: "`prefix`, `delimiter`, `key-marker`, `upload-id-marker`, `max-uploads`, `encoding-type`",
  },
] as const satisfies readonly Route[];
