import type { QueryView } from "../lib/parsed-query.ts";
import { S3Error } from "./errors.ts";
import { methodsOf, type Route, type Scope } from "./route.ts";

/** The route a request selects; throws MethodNotAllowed or NotImplemented when there is none. */
export type ResolveRoute<R extends Route = Route> = (
  method: string,
  bucket: string,
  key: string,
  query: QueryView,
  headers: Headers,
) => R;

interface Candidate<R> {
  route: R;
  queryName?: string;
  queryValue?: string;
  ignoresAny: boolean;
  ignores: ReadonlySet<string>;
}

/** Higher first: a row with `param`, then with `sub`, then neither; a `query` or `header` breaks ties. */
function specificity(route: Route): number {
  return (route.param ? 4 : 0) + (route.sub ? 2 : 0) + (route.query || route.header ? 1 : 0);
}

function candidateOf<R extends Route>(route: R): Candidate<R> {
  const [queryName, queryValue] = route.query ? route.query.split("=", 2) : [];
  return {
    route,
    queryName,
    queryValue,
    ignoresAny: route.ignores === "any",
    ignores: new Set(route.ignores === "any" ? [] : route.ignores),
  };
}

function selects(c: Candidate<Route>, sub: string | undefined, query: QueryView, headers: Headers) {
  const { route } = c;
  if (route.param) {
    if (!query.has(route.param)) return false;
  } else if (route.sub) {
    if (sub !== route.sub) return false;
  } else if (sub !== undefined && !c.ignoresAny && !c.ignores.has(sub)) {
    return false;
  }
  if (c.queryName !== undefined && query.get(c.queryName) !== c.queryValue) return false;
  return route.header === undefined || headers.has(route.header);
}

const notImplemented = (method: string, sub: string | undefined) =>
  new S3Error("NotImplemented", `${sub ? `${method} ?${sub}` : method} is not implemented.`);

/**
 * Builds, once, the resolver of a route table. `unserved`: the other sub-resources S3 defines, 501
 * when they come first in a request's query; `unservedPaths`: requests such as
 * `POST /WriteGetObjectResponse` whose path stands where a bucket's would, 501 too. A scope with no
 * row for the method, and any request to the service that no row takes, is 405 MethodNotAllowed.
 */
export function routeResolver<R extends Route>(
  routes: readonly R[],
  unserved: readonly string[],
  unservedPaths: readonly { method: string; path: string }[] = [],
): ResolveRoute<R> {
  const subresources = new Set(unserved);
  const unservedAtBucket = new Map<string, Set<string>>();
  for (const { method, path } of unservedPaths) {
    const bucket = path.slice(1);
    unservedAtBucket.set(bucket, (unservedAtBucket.get(bucket) ?? new Set()).add(method));
  }
  const byScope: Record<Scope, Map<string, Candidate<R>[]>> = {
    service: new Map(),
    bucket: new Map(),
    object: new Map(),
  };
  const ordered = [...routes].sort((a, b) => specificity(b) - specificity(a));
  for (const route of ordered) {
    for (const name of [route.sub, route.param]) if (name) subresources.add(name);
    if (Array.isArray(route.ignores)) for (const name of route.ignores) subresources.add(name);
    for (const method of methodsOf(route)) {
      const list = byScope[route.scope].get(method) ?? [];
      list.push(candidateOf(route));
      byScope[route.scope].set(method, list);
    }
  }
  const subresourceOf = (query: QueryView): string | undefined => {
    for (const name of query.keys()) if (subresources.has(name)) return name;
    return undefined;
  };
  return (method, bucket, key, query, headers) => {
    const scope: Scope = !bucket ? "service" : !key ? "bucket" : "object";
    const candidates = byScope[scope].get(method);
    if (scope === "bucket" && unservedAtBucket.get(bucket)?.has(method)) {
      throw new S3Error("NotImplemented", `${method} /${bucket} is not implemented.`);
    }
    if (!candidates) throw new S3Error("MethodNotAllowed");
    const sub = subresourceOf(query);
    for (const candidate of candidates) {
      if (selects(candidate, sub, query, headers)) return candidate.route;
    }
    if (scope === "service") throw new S3Error("MethodNotAllowed");
    throw notImplemented(method, sub);
  };
}
