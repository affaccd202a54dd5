import type { QueryView } from "../lib/parsed-query.ts";
import type { Handler } from "./context.ts";

export type Method = "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "OPTIONS";

/** What a request names: the service (`/`), a bucket, or an object in a bucket. */
export type Scope = "service" | "bucket" | "object";

/**
 * One S3 operation: the requests that select it, the IAM action it is authorized as, the handler
 * that answers it, what the pipeline must know about it, and what docs/compatibility.md says.
 *
 * A request selects the most specific row of its method and scope: one with `param`, then one
 * with `sub`, then one with neither; among those, one whose `query` or `header` holds before one
 * without. The sub-resource of a request is the first query parameter that S3 defines as one.
 */
export interface Route {
  /** The name in the S3 API reference. */
  operation: string;
  method: Method | readonly Method[];
  scope: Scope;
  /** The sub-resource that selects it: `uploads` in `POST /bucket/key?uploads`. */
  sub?: string;
  /** A query parameter that selects it wherever it stands, before any sub-resource: `uploadId`. */
  param?: string;
  /** A query parameter and value it also needs: `list-type=2`. */
  query?: string;
  /** A request header it also needs: `x-amz-copy-source`. */
  header?: string;
  /** Sub-resources it answers as if absent (`"any"`: all); any other is 501 NotImplemented. */
  ignores?: readonly string[] | "any";
  /**
   * The IAM action, authorized on the bucket or object before the handler runs; undefined when the
   * handler authorizes each resource itself (DeleteObjects asks s3:DeleteObject for every key).
   */
  action: string | undefined;
  /** The IAM action instead of `action` when the request names a version (`versionId` in the query). */
  versionAction?: string;
  handler: Handler;
  /**
   * Answered before authentication, with an anonymous principal and no authorization: a CORS
   * preflight (OPTIONS) never carries credentials, even for a presigned URL.
   */
  unauthenticated?: true;
  /** Stores new bytes: refused, before the body is read, while free space is below --min-free. */
  writes?: true;
  /** Changes or removes the bucket's policy: the host is told when it succeeds, to apply it at once. */
  changesPolicy?: true;
  /** For docs/compatibility.md: `partial` when something of the operation is not offered. */
  status: "supported" | "partial";
  notes: string;
}

/** The methods of a route, as a list. */
export function methodsOf(route: Route): readonly Method[] {
  return typeof route.method === "string" ? [route.method] : route.method;
}

/** The IAM action a request of this route is authorized as: the version action when it names a version. */
export function actionOf(route: Route, query: QueryView): string | undefined {
  return route.versionAction !== undefined && query.has("versionId") ? route.versionAction : route.action;
}
