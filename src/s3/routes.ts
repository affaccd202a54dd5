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
import { unservedOperations } from "./routes/unserved-operations.ts";

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

const served = new Set(
  routes.flatMap((route: Route) => [
    route.sub,
    route.param,
    ...(Array.isArray(route.ignores) ? route.ignores : []),
  ]),
);

/**
 * Sub-resources of the operations not served (routes/unserved-operations.ts) that no row above
 * serves: a request with one (as its first sub-resource) is 501 NotImplemented, never taken for the
 * plain bucket or object operation.
 */
export const unservedSubresources: readonly string[] = [
  ...new Set(unservedOperations.flatMap(({ sub }) => (sub && !served.has(sub) ? [sub] : []))),
];

/** `POST /WriteGetObjectResponse`: requests whose path, not a sub-resource, names an unserved operation. */
export const unservedPaths: readonly { method: string; path: string }[] = unservedOperations.flatMap(
  ({ method, path }) => (path ? [{ method, path }] : []),
);
