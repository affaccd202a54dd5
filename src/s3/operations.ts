import { S3Error } from "./errors.ts";

/** S3 operations this server answers, named as in the S3 API reference. */
export type Operation =
  | "ListBuckets"
  | "CreateBucket"
  | "HeadBucket"
  | "DeleteBucket"
  | "GetBucketLocation"
  | "GetBucketVersioning"
  | "ListObjects"
  | "ListObjectsV2"
  | "ListObjectVersions"
  | "PutObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject"
  | "DeleteObjects"
  | "CopyObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "UploadPartCopy"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts"
  | "ListMultipartUploads"
  | "GetObjectAttributes"
  | "GetBucketPolicy"
  | "PutBucketPolicy"
  | "DeleteBucketPolicy"
  | "GetBucketPolicyStatus"
  | "GetBucketEncryption"
  | "PutBucketEncryption"
  | "DeleteBucketEncryption";

/** Query parameters that select a sub-resource; any not handled below is NotImplemented. */
const subresources = new Set([
  "accelerate",
  "acl",
  "analytics",
  "attributes",
  "cors",
  "delete",
  "encryption",
  "intelligent-tiering",
  "inventory",
  "legal-hold",
  "lifecycle",
  "location",
  "logging",
  "metrics",
  "notification",
  "object-lock",
  "ownershipControls",
  "partNumber",
  "policy",
  "policyStatus",
  "publicAccessBlock",
  "replication",
  "requestPayment",
  "restore",
  "retention",
  "select",
  "tagging",
  "torrent",
  "uploadId",
  "uploads",
  "versioning",
  "versions",
  "website",
  "session",
  "metadataTable",
  "metadataConfiguration",
  "metadataInventoryTable",
  "metadataJournalTable",
  "abac",
  "renameObject",
]);

function subresourceOf(query: URLSearchParams): string | undefined {
  for (const name of query.keys()) if (subresources.has(name)) return name;
  return undefined;
}

function notImplemented(method: string, sub: string | undefined): never {
  const what = sub ? `${method} ?${sub}` : method;
  throw new S3Error("NotImplemented", `${what} is not implemented.`);
}

/** Maps method, target and query to an operation; unknown combinations are NotImplemented. */
export function resolveOperation(
  method: string,
  bucket: string,
  key: string,
  query: URLSearchParams,
  headers: Headers,
): Operation {
  const sub = subresourceOf(query);
  if (!bucket) {
    if ((method === "GET" || method === "HEAD") && !sub) return "ListBuckets";
    throw new S3Error("MethodNotAllowed");
  }
  if (!key) {
    switch (method) {
      case "GET":
        if (sub === "location") return "GetBucketLocation";
        if (sub === "versioning") return "GetBucketVersioning";
        if (sub === "versions") return "ListObjectVersions";
        if (sub === "uploads") return "ListMultipartUploads";
        if (sub === "policy") return "GetBucketPolicy";
        if (sub === "policyStatus") return "GetBucketPolicyStatus";
        if (sub === "encryption") return "GetBucketEncryption";
        if (sub) return notImplemented(method, sub);
        return query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
      case "HEAD":
        return "HeadBucket";
      case "PUT":
        if (sub === "policy") return "PutBucketPolicy";
        if (sub === "encryption") return "PutBucketEncryption";
        if (sub) return notImplemented(method, sub);
        return "CreateBucket";
      case "DELETE":
        if (sub === "policy") return "DeleteBucketPolicy";
        if (sub === "encryption") return "DeleteBucketEncryption";
        if (sub) return notImplemented(method, sub);
        return "DeleteBucket";
      case "POST":
        if (sub === "delete") return "DeleteObjects";
        return notImplemented(method, sub);
      default:
        throw new S3Error("MethodNotAllowed");
    }
  }
  const copy = headers.has("x-amz-copy-source");
  switch (method) {
    case "GET":
      if (query.has("uploadId")) return "ListParts";
      if (sub === "attributes") return "GetObjectAttributes";
      if (sub && sub !== "partNumber") return notImplemented(method, sub);
      return "GetObject";
    case "HEAD":
      if (sub && sub !== "partNumber") return notImplemented(method, sub);
      return "HeadObject";
    case "PUT":
      if (query.has("uploadId")) return copy ? "UploadPartCopy" : "UploadPart";
      if (sub) return notImplemented(method, sub);
      return copy ? "CopyObject" : "PutObject";
    case "DELETE":
      if (query.has("uploadId")) return "AbortMultipartUpload";
      if (sub) return notImplemented(method, sub);
      return "DeleteObject";
    case "POST":
      if (query.has("uploadId")) return "CompleteMultipartUpload";
      if (sub === "uploads") return "CreateMultipartUpload";
      return notImplemented(method, sub);
    default:
      throw new S3Error("MethodNotAllowed");
  }
}
