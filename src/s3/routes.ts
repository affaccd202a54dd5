/**
 * Every S3 operation this server answers, one row each (the row's fields: route.ts). Operation
 * resolution, the IAM action and the operation list of docs/compatibility.md
 * (`bun scripts/gen-compatibility.ts`) all come from this table, whose rows are kept by concept in
 * routes/: a new operation is a row there and its handler in handlers/.
 */
import type { Route } from "./route.ts";
import { bucketAccessRoutes } from "./routes/bucket-access-routes.ts";
import { bucketRoutes } from "./routes/bucket-routes.ts";
import { multipartRoutes } from "./routes/multipart-routes.ts";
import { objectRoutes } from "./routes/object-routes.ts";

const table = [
  ...bucketRoutes,
  ...bucketAccessRoutes,
  ...objectRoutes,
  ...multipartRoutes,
] as const satisfies readonly Route[];

/** The name of each operation in the table. */
export type Operation = (typeof table)[number]["operation"];

export type OperationRoute = Route & { operation: Operation };

export const routes: readonly OperationRoute[] = table;

/**
 * Sub-resources S3 defines that no row above serves: a request with one (as its first
 * sub-resource) is 501 NotImplemented, never taken for the plain bucket or object operation.
 */
export const unservedSubresources: readonly string[] = [
  "accelerate",
  "analytics",
  "intelligent-tiering",
  "inventory",
  "logging",
  "metrics",
  "notification",
  "replication",
  "requestPayment",
  "restore",
  "select",
  "torrent",
  "website",
  "session",
  "metadataTable",
  "metadataConfiguration",
  "metadataInventoryTable",
  "metadataJournalTable",
  "metadataAnnotationTable",
  "abac",
  "renameObject",
  "annotation",
];
