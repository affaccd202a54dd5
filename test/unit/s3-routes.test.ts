import { describe, expect, test } from "bun:test";
import { S3Error } from "../../src/s3/errors.ts";
import { routeResolver } from "../../src/s3/resolve-route.ts";
import { actionOf } from "../../src/s3/route.ts";
import { unservedOperations } from "../../src/s3/routes/unserved-operations.ts";
import { routes, unservedPaths, unservedSubresources } from "../../src/s3/routes.ts";

const resolveRoute = routeResolver(routes, unservedSubresources, unservedPaths);

/** The operation a request resolves to, or "!Code: message" for the error it is refused with. */
function resolved(method: string, path: string, query = "", copy = false): string {
  const [bucket = "", ...rest] = path.slice(1).split("/");
  const headers = new Headers(copy ? { "x-amz-copy-source": "/src/k" } : {});
  try {
    return resolveRoute(method, bucket, rest.join("/"), new URLSearchParams(query), headers).operation;
  } catch (e) {
    if (e instanceof S3Error) return `!${e.code}: ${e.message}`;
    throw e;
  }
}

const methodNotAllowed = "!MethodNotAllowed: The specified method is not allowed against this resource.";
const notImplemented = (what: string) => `!NotImplemented: ${what} is not implemented.`;

/** [method, path, query, copy-source header?, what it resolves to] */
const cases: [string, string, string, boolean, string][] = [
  // The service: ListBuckets, and nothing else.
  ["GET", "/", "", false, "ListBuckets"],
  ["HEAD", "/", "", false, "ListBuckets"],
  ["GET", "/", "prefix=a&max-buckets=2", false, "ListBuckets"],
  ["GET", "/", "acl", false, methodNotAllowed],
  ["PUT", "/", "", false, methodNotAllowed],
  ["POST", "/", "", false, methodNotAllowed],
  ["DELETE", "/", "", false, methodNotAllowed],
  ["OPTIONS", "/", "", false, methodNotAllowed],
  // Buckets.
  ["GET", "/b", "", false, "ListObjects"],
  ["GET", "/b", "list-type=2", false, "ListObjectsV2"],
  ["GET", "/b", "list-type=1", false, "ListObjects"],
  ["GET", "/b", "prefix=a&list-type=2&delimiter=/", false, "ListObjectsV2"],
  ["GET", "/b", "location", false, "GetBucketLocation"],
  ["GET", "/b", "versioning", false, "GetBucketVersioning"],
  ["GET", "/b", "versions", false, "ListObjectVersions"],
  ["GET", "/b", "uploads", false, "ListMultipartUploads"],
  ["GET", "/b", "policy", false, "GetBucketPolicy"],
  ["GET", "/b", "policyStatus", false, "GetBucketPolicyStatus"],
  ["GET", "/b", "encryption", false, "GetBucketEncryption"],
  ["GET", "/b", "object-lock", false, "GetObjectLockConfiguration"],
  ["GET", "/b", "list-type=2&location", false, "GetBucketLocation"],
  ["GET", "/b", "uploads&policy", false, "ListMultipartUploads"],
  ["GET", "/b", "policy&uploads", false, "GetBucketPolicy"],
  ["GET", "/b", "acl", false, "GetBucketAcl"],
  ["GET", "/b", "acl&policy", false, "GetBucketAcl"],
  ["GET", "/b", "analytics", false, notImplemented("GET ?analytics")],
  ["GET", "/b", "uploadId=u", false, notImplemented("GET ?uploadId")],
  ["GET", "/b", "metadataConfiguration", false, notImplemented("GET ?metadataConfiguration")],
  ["GET", "/b", "attributes", false, notImplemented("GET ?attributes")],
  ["HEAD", "/b", "", false, "HeadBucket"],
  ["HEAD", "/b", "acl", false, "HeadBucket"],
  ["HEAD", "/b", "uploadId=u", false, "HeadBucket"],
  ["PUT", "/b", "", false, "CreateBucket"],
  ["PUT", "/b", "", true, "CreateBucket"],
  ["PUT", "/b", "policy", false, "PutBucketPolicy"],
  ["PUT", "/b", "encryption", false, "PutBucketEncryption"],
  ["PUT", "/b", "versioning", false, "PutBucketVersioning"],
  ["PUT", "/b", "object-lock", false, "PutObjectLockConfiguration"],
  ["DELETE", "/b", "object-lock", false, notImplemented("DELETE ?object-lock")],
  ["PUT", "/b", "abac", false, notImplemented("PUT ?abac")],
  ["DELETE", "/b", "", false, "DeleteBucket"],
  ["DELETE", "/b", "policy", false, "DeleteBucketPolicy"],
  ["DELETE", "/b", "encryption", false, "DeleteBucketEncryption"],
  ["DELETE", "/b", "metadataTable", false, notImplemented("DELETE ?metadataTable")],
  ["DELETE", "/b", "uploadId=u", false, notImplemented("DELETE ?uploadId")],
  ["POST", "/b", "delete", false, "DeleteObjects"],
  ["POST", "/b", "", false, "PostObject"],
  ["POST", "/b", "uploads", false, notImplemented("POST ?uploads")],
  ["POST", "/b", "prefix=a", false, "PostObject"],
  ["PATCH", "/b", "", false, methodNotAllowed],
  ["OPTIONS", "/b", "", false, "OPTIONS bucket"],
  ["OPTIONS", "/b", "uploads&X-Amz-Signature=s", false, "OPTIONS bucket"],
  // Objects.
  ["GET", "/b/k", "", false, "GetObject"],
  ["GET", "/b/a/b/c", "versionId=null&response-content-type=x", false, "GetObject"],
  ["GET", "/b/k", "partNumber=2", false, "GetObject"],
  ["GET", "/b/k", "attributes", false, "GetObjectAttributes"],
  ["GET", "/b/k", "attributes&partNumber=1", false, "GetObjectAttributes"],
  ["GET", "/b/k", "partNumber=1&attributes", false, "GetObject"],
  ["GET", "/b/k", "uploadId=u", false, "ListParts"],
  ["GET", "/b/k", "acl&uploadId=u", false, "ListParts"],
  ["GET", "/b/k", "tagging", false, "GetObjectTagging"],
  ["GET", "/b", "tagging", false, "GetBucketTagging"],
  ["GET", "/b/k", "retention&versionId=v", false, "GetObjectRetention"],
  ["PUT", "/b/k", "retention", false, "PutObjectRetention"],
  ["GET", "/b/k", "legal-hold", false, "GetObjectLegalHold"],
  ["PUT", "/b/k", "versionId=v&legal-hold", false, "PutObjectLegalHold"],
  ["DELETE", "/b/k", "retention", false, notImplemented("DELETE ?retention")],
  ["GET", "/b/k", "list-type=2", false, "GetObject"],
  ["HEAD", "/b/k", "", false, "HeadObject"],
  ["HEAD", "/b/k", "partNumber=1", false, "HeadObject"],
  ["HEAD", "/b/k", "uploadId=u", false, notImplemented("HEAD ?uploadId")],
  ["HEAD", "/b/k", "partNumber=1&uploadId=u", false, "HeadObject"],
  ["HEAD", "/b/k", "attributes", false, notImplemented("HEAD ?attributes")],
  ["PUT", "/b/k", "", false, "PutObject"],
  ["PUT", "/b/k", "", true, "CopyObject"],
  ["PUT", "/b/k", "uploadId=u&partNumber=1", false, "UploadPart"],
  ["PUT", "/b/k", "partNumber=1&uploadId=u", true, "UploadPartCopy"],
  ["PUT", "/b/k", "uploadId=u&tagging", false, "UploadPart"],
  ["PUT", "/b/k", "partNumber=1", false, notImplemented("PUT ?partNumber")],
  ["PUT", "/b/k", "tagging", true, "PutObjectTagging"],
  ["PUT", "/b", "tagging", false, "PutBucketTagging"],
  ["PUT", "/b/k", "renameObject", false, notImplemented("PUT ?renameObject")],
  ["PUT", "/b/k", "annotation", false, notImplemented("PUT ?annotation")],
  ["PUT", "/b/k", "encryption", false, notImplemented("PUT ?encryption")],
  ["PUT", "/b", "metadataAnnotationTable", false, notImplemented("PUT ?metadataAnnotationTable")],
  ["POST", "/WriteGetObjectResponse", "", false, notImplemented("POST /WriteGetObjectResponse")],
  ["DELETE", "/b/k", "", false, "DeleteObject"],
  ["DELETE", "/b/k", "uploadId=u", false, "AbortMultipartUpload"],
  ["DELETE", "/b/k", "versionId=v&tagging", false, "DeleteObjectTagging"],
  ["DELETE", "/b", "tagging", false, "DeleteBucketTagging"],
  ["GET", "/b", "lifecycle", false, "GetBucketLifecycleConfiguration"],
  ["PUT", "/b", "lifecycle", false, "PutBucketLifecycleConfiguration"],
  ["DELETE", "/b", "lifecycle", false, "DeleteBucketLifecycle"],
  ["POST", "/b/k", "uploads", false, "CreateMultipartUpload"],
  ["POST", "/b/k", "uploadId=u", false, "CompleteMultipartUpload"],
  ["POST", "/b/k", "uploads&uploadId=u", false, "CompleteMultipartUpload"],
  ["POST", "/b/k", "tagging&uploads", false, notImplemented("POST ?tagging")],
  ["POST", "/b/k", "", false, notImplemented("POST")],
  ["POST", "/b/k", "restore", false, notImplemented("POST ?restore")],
  ["POST", "/b/k", "select&select-type=2", false, notImplemented("POST ?select")],
  ["PATCH", "/b/k", "", false, methodNotAllowed],
  ["OPTIONS", "/b/k", "", false, "OPTIONS object"],
  ["OPTIONS", "/b/k", "uploadId=u&partNumber=1", false, "OPTIONS object"],
  ["GET", "/b", "cors", false, "GetBucketCors"],
  ["PUT", "/b", "cors", false, "PutBucketCors"],
  ["DELETE", "/b", "cors", false, "DeleteBucketCors"],
  ["GET", "/b/k", "cors", false, notImplemented("GET ?cors")],
];

describe("operation resolution", () => {
  test.each(cases)("%s %s?%s (copy source: %p) → %s", (method, path, query, copy, expected) => {
    expect(resolved(method, path, query, copy)).toBe(expected);
  });
});

/** The IAM action of each operation; undefined where the handler authorizes each resource itself. */
const actions: Record<string, string | undefined> = {
  ListBuckets: "s3:ListAllMyBuckets",
  CreateBucket: "s3:CreateBucket",
  HeadBucket: "s3:ListBucket",
  DeleteBucket: "s3:DeleteBucket",
  GetBucketLocation: "s3:GetBucketLocation",
  GetBucketVersioning: "s3:GetBucketVersioning",
  PutBucketVersioning: "s3:PutBucketVersioning",
  ListObjects: "s3:ListBucket",
  ListObjectsV2: "s3:ListBucket",
  ListObjectVersions: "s3:ListBucketVersions",
  PutObject: "s3:PutObject",
  GetObject: "s3:GetObject",
  HeadObject: "s3:GetObject",
  DeleteObject: "s3:DeleteObject",
  DeleteObjects: undefined,
  GetBucketPolicy: "s3:GetBucketPolicy",
  PutBucketPolicy: "s3:PutBucketPolicy",
  DeleteBucketPolicy: "s3:DeleteBucketPolicy",
  GetBucketPolicyStatus: "s3:GetBucketPolicyStatus",
  GetBucketEncryption: "s3:GetEncryptionConfiguration",
  PutBucketEncryption: "s3:PutEncryptionConfiguration",
  DeleteBucketEncryption: "s3:PutEncryptionConfiguration",
  CopyObject: "s3:PutObject",
  CreateMultipartUpload: "s3:PutObject",
  UploadPart: "s3:PutObject",
  UploadPartCopy: "s3:PutObject",
  CompleteMultipartUpload: "s3:PutObject",
  AbortMultipartUpload: "s3:AbortMultipartUpload",
  ListParts: "s3:ListMultipartUploadParts",
  ListMultipartUploads: "s3:ListBucketMultipartUploads",
  GetObjectAttributes: "s3:GetObjectAttributes",
  GetObjectLockConfiguration: "s3:GetBucketObjectLockConfiguration",
  PutObjectLockConfiguration: "s3:PutBucketObjectLockConfiguration",
  GetObjectRetention: "s3:GetObjectRetention",
  PutObjectRetention: undefined,
  GetObjectLegalHold: "s3:GetObjectLegalHold",
  PutObjectLegalHold: undefined,
  GetObjectTagging: "s3:GetObjectTagging",
  PutObjectTagging: undefined,
  DeleteObjectTagging: "s3:DeleteObjectTagging",
  GetBucketTagging: "s3:GetBucketTagging",
  PutBucketTagging: "s3:PutBucketTagging",
  DeleteBucketTagging: "s3:PutBucketTagging",
  GetBucketCors: "s3:GetBucketCORS",
  PutBucketCors: "s3:PutBucketCORS",
  DeleteBucketCors: "s3:PutBucketCORS",
  "OPTIONS bucket": undefined,
  "OPTIONS object": undefined,
  GetBucketLifecycleConfiguration: "s3:GetLifecycleConfiguration",
  PutBucketLifecycleConfiguration: "s3:PutLifecycleConfiguration",
  DeleteBucketLifecycle: "s3:PutLifecycleConfiguration",
  GetBucketAcl: "s3:GetBucketAcl",
  PutBucketAcl: "s3:PutBucketAcl",
  GetBucketOwnershipControls: "s3:GetBucketOwnershipControls",
  PutBucketOwnershipControls: "s3:PutBucketOwnershipControls",
  DeleteBucketOwnershipControls: "s3:PutBucketOwnershipControls",
  GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
  PutPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  DeletePublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  GetObjectAcl: "s3:GetObjectAcl",
  PutObjectAcl: "s3:PutObjectAcl",
};

describe("the IAM action of each operation", () => {
  test("as the S3 documentation names it", () => {
    const table: Record<string, string | undefined> = Object.fromEntries(
      routes.map((r) => [r.operation, r.action]),
    );
    expect(table).toEqual(actions);
  });

  test("a request that names a version is authorized as the version action", () => {
    const versionActions = Object.fromEntries(
      routes.filter((r) => r.versionAction).map((r) => [r.operation, r.versionAction]),
    );
    expect(versionActions).toEqual({
      GetObject: "s3:GetObjectVersion",
      HeadObject: "s3:GetObjectVersion",
      DeleteObject: "s3:DeleteObjectVersion",
      GetObjectAttributes: "s3:GetObjectVersionAttributes",
      GetObjectTagging: "s3:GetObjectVersionTagging",
      DeleteObjectTagging: "s3:DeleteObjectVersionTagging",
      GetObjectAcl: "s3:GetObjectVersionAcl",
      PutObjectAcl: "s3:PutObjectVersionAcl",
    });
    const getObject = routes.find((r) => r.operation === "GetObject")!;
    expect(actionOf(getObject, new URLSearchParams("versionId=null"))).toBe("s3:GetObjectVersion");
    expect(actionOf(getObject, new URLSearchParams("partNumber=1"))).toBe("s3:GetObject");
  });
});

describe("the route table", () => {
  test("names each operation once, and lists no served sub-resource as unserved", () => {
    const names = routes.map((r) => r.operation);
    expect(new Set(names).size).toBe(names.length);
    const served = routes.flatMap((r): string[] => [r.sub ?? "", r.param ?? ""]).filter(Boolean);
    expect(unservedSubresources.filter((name) => served.includes(name))).toEqual([]);
  });

  test("names no operation both served and unserved, and each unserved one once", () => {
    const unserved = unservedOperations.map((o) => o.operation);
    expect(new Set(unserved).size).toBe(unserved.length);
    expect(routes.filter((r) => unserved.includes(r.operation))).toEqual([]);
  });
});
