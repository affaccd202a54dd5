/**
 * The S3 operations (as the AWS SDKs' S3 model names them, and the older names of the same
 * requests) that this server does not serve: each request answers 501 NotImplemented before any
 * change is made, and is never taken for the plain bucket or object operation. The resolver's
 * unserved sub-resources and paths (../routes.ts) and the "Operations not answered" table of
 * docs/compatibility.md (`bun scripts/gen-compatibility.ts`) both come from this list.
 */
import type { Method } from "../route.ts";

export interface UnservedOperation {
  /** The name in the S3 API reference. */
  operation: string;
  method: Method;
  scope: "bucket" | "object";
  /** The sub-resource that names it: `analytics` in `GET /bucket?analytics`. */
  sub?: string;
  /** Instead of a sub-resource, the path it is sent to in place of a bucket's: `/WriteGetObjectResponse`. */
  path?: string;
  /** A query parameter and value it also sends: `select-type=2`. */
  query?: string;
  /** For docs/compatibility.md. */
  notes?: string;
}

type Row = [operation: string, method: Method, notes?: string];

const rowsOf = (scope: "bucket" | "object", sub: string, rows: Row[]): UnservedOperation[] =>
  rows.map(([operation, method, notes]) => ({ operation, method, scope, sub, ...(notes && { notes }) }));

/** Get, List, Put and Delete of one kind of bucket configuration (analytics, inventory, ...). */
const configurations = (sub: string, name: string): UnservedOperation[] =>
  rowsOf("bucket", sub, [
    [`GetBucket${name}Configuration`, "GET"],
    [`ListBucket${name}Configurations`, "GET"],
    [`PutBucket${name}Configuration`, "PUT"],
    [`DeleteBucket${name}Configuration`, "DELETE"],
  ]);

export const unservedOperations: readonly UnservedOperation[] = [
  ...rowsOf("bucket", "website", [
    ["GetBucketWebsite", "GET"],
    ["PutBucketWebsite", "PUT"],
    ["DeleteBucketWebsite", "DELETE"],
  ]),
  ...rowsOf("bucket", "logging", [
    ["GetBucketLogging", "GET", "see the [audit webhook](operations.md#audit-webhook)"],
    ["PutBucketLogging", "PUT"],
  ]),
  ...rowsOf("bucket", "notification", [
    ["GetBucketNotificationConfiguration", "GET"],
    ["GetBucketNotification", "GET"],
    ["PutBucketNotificationConfiguration", "PUT"],
    ["PutBucketNotification", "PUT"],
  ]),
  ...rowsOf("bucket", "replication", [
    ["GetBucketReplication", "GET"],
    ["PutBucketReplication", "PUT"],
    ["DeleteBucketReplication", "DELETE"],
  ]),
  ...rowsOf("bucket", "accelerate", [
    ["GetBucketAccelerateConfiguration", "GET"],
    ["PutBucketAccelerateConfiguration", "PUT"],
  ]),
  ...rowsOf("bucket", "requestPayment", [
    ["GetBucketRequestPayment", "GET"],
    ["PutBucketRequestPayment", "PUT"],
  ]),
  ...configurations("analytics", "Analytics"),
  ...configurations("inventory", "Inventory"),
  ...configurations("metrics", "Metrics"),
  ...configurations("intelligent-tiering", "IntelligentTiering"),
  ...rowsOf("bucket", "metadataTable", [
    ["CreateBucketMetadataTableConfiguration", "POST"],
    ["GetBucketMetadataTableConfiguration", "GET"],
    ["DeleteBucketMetadataTableConfiguration", "DELETE"],
  ]),
  ...rowsOf("bucket", "metadataConfiguration", [
    ["CreateBucketMetadataConfiguration", "POST"],
    ["GetBucketMetadataConfiguration", "GET"],
    ["DeleteBucketMetadataConfiguration", "DELETE"],
  ]),
  ...rowsOf("bucket", "metadataInventoryTable", [["UpdateBucketMetadataInventoryTableConfiguration", "PUT"]]),
  ...rowsOf("bucket", "metadataJournalTable", [["UpdateBucketMetadataJournalTableConfiguration", "PUT"]]),
  ...rowsOf("bucket", "metadataAnnotationTable", [
    ["UpdateBucketMetadataAnnotationTableConfiguration", "PUT"],
  ]),
  ...rowsOf("bucket", "abac", [
    ["GetBucketAbac", "GET"],
    ["PutBucketAbac", "PUT"],
  ]),
  ...rowsOf("bucket", "session", [["CreateSession", "GET", "directory buckets only on AWS"]]),
  {
    operation: "WriteGetObjectResponse",
    method: "POST",
    scope: "bucket",
    path: "/WriteGetObjectResponse",
    notes: "an Object Lambda call",
  },
  ...rowsOf("object", "torrent", [["GetObjectTorrent", "GET"]]),
  ...rowsOf("object", "restore", [["RestoreObject", "POST"]]),
  {
    operation: "SelectObjectContent",
    method: "POST",
    scope: "object",
    sub: "select",
    query: "select-type=2",
  },
  ...rowsOf("object", "renameObject", [["RenameObject", "PUT"]]),
  ...rowsOf("object", "encryption", [["UpdateObjectEncryption", "PUT"]]),
  ...rowsOf("object", "annotation", [
    ["GetObjectAnnotation", "GET"],
    ["ListObjectAnnotations", "GET"],
    ["PutObjectAnnotation", "PUT"],
    ["DeleteObjectAnnotation", "DELETE"],
  ]),
];
