/**
 * The edge's object cache (Cache API). Two kinds of entries:
 * - the object: one copy per object (Host + path), stored from a full 200 answer of the origin, with
 *   the origin's ETag and Cache-Control;
 * - a grant: "the origin served this object, at this ETag, to this principal", one per principal and
 *   object, kept GRANT_SECONDS; with the origin's Access-Control-* and Vary headers (the worker
 *   makes the principal key per Origin too).
 * A GET is served from the cache only when both exist and the ETags agree, so one user's link never
 * serves what the origin did not give that user, and a replaced object is never served on an old
 * grant. A PUT or DELETE through the edge deletes the object's copy.
 * Nothing encrypted with a customer key (SSE-C) is cached: its plaintext belongs to whoever holds
 * the key, which a grant (per access key) cannot tell, so such requests always go to the origin.
 */

const cacheOrigin = "https://s3dir-edge.cache";

export interface CacheTarget {
  host: string;
  /** Raw, percent-encoded path. */
  path: string;
}

export interface EdgeCacheOptions {
  /** How long an object is kept when the origin's answer has no Cache-Control. */
  defaultSeconds: number;
  grantSeconds: number;
}

function objectKey(t: CacheTarget): string {
  return `${cacheOrigin}/o/${encodeURIComponent(t.host)}${t.path}`;
}

function grantKey(t: CacheTarget, principalKey: string): string {
  return `${cacheOrigin}/g/${encodeURIComponent(principalKey)}/${encodeURIComponent(t.host)}${t.path}`;
}

/** Not cacheable at the edge: the origin said so. */
function forbidsCaching(cacheControl: string | null): boolean {
  return cacheControl !== null && /(^|[\s,])(no-store|no-cache|private)([\s,=]|$)/i.test(cacheControl);
}

const customerKeyPrefix = "x-amz-server-side-encryption-customer-";

/**
 * The request names an SSE-C customer key, as headers or hoisted into a presigned URL's query
 * (the hosts read any x-amz-* query parameter as a header): the edge neither answers it from the
 * cache nor stores its answer.
 */
export function carriesCustomerKey(headers: Headers, query: string): boolean {
  for (const name of headers.keys()) if (name.startsWith(customerKeyPrefix)) return true;
  if (query === "") return false;
  return query.split("&").some((p) => {
    const eq = p.indexOf("=");
    const name = eq < 0 ? p : p.slice(0, eq);
    try {
      return decodeURIComponent(name).toLowerCase().startsWith(customerKeyPrefix);
    } catch {
      return name.toLowerCase().startsWith(customerKeyPrefix);
    }
  });
}

const defaultTtlMarker = "x-s3dir-edge-default-ttl";

/**
 * What the origin answered for the request's Origin (its CORS rules): kept with the grant, which
 * is per principal and origin, never in the one copy every origin is served from.
 */
function isCorsHeader(name: string): boolean {
  return name.startsWith("access-control-") || name === "vary";
}

export class EdgeCache {
  constructor(
    private readonly cache: Cache,
    private readonly options: EdgeCacheOptions,
  ) {}

  /** The cached answer for this principal, or undefined. Honours Range and If-None-Match. */
  async match(req: Request, t: CacheTarget, principalKey: string): Promise<Response | undefined> {
    const grant = await this.cache.match(grantKey(t, principalKey));
    if (!grant) return undefined;
    const etag = grant.headers.get("etag");
    const lookup = new Headers();
    const range = req.headers.get("range");
    if (range !== null) lookup.set("range", range);
    const cached = await this.cache.match(new Request(objectKey(t), { headers: lookup }));
    if (!cached || etag === null || cached.headers.get("etag") !== etag) {
      if (cached) await cached.body?.cancel();
      return undefined;
    }
    const headers = new Headers(cached.headers);
    for (const [name, value] of grant.headers) if (isCorsHeader(name)) headers.set(name, value);
    if (headers.has(defaultTtlMarker)) {
      headers.delete(defaultTtlMarker);
      headers.delete("cache-control");
    }
    headers.set("x-s3dir-edge-cache", "hit");
    const inm = req.headers.get("if-none-match");
    if (inm?.split(",").some((v) => v.trim() === etag || v.trim() === "*")) {
      await cached.body?.cancel();
      headers.delete("content-length");
      headers.delete("content-range");
      return new Response(null, { status: 304, headers });
    }
    return new Response(req.method === "HEAD" ? null : cached.body, { status: cached.status, headers });
  }

  /**
   * Stores a full 200 answer of the origin (a copy; the caller streams the original) and the grant
   * for this principal. Returns the promise to wait on after answering.
   */
  async store(t: CacheTarget, principalKey: string, response: Response): Promise<void> {
    const etag = response.headers.get("etag");
    if (
      etag === null ||
      forbidsCaching(response.headers.get("cache-control")) ||
      response.headers.has(`${customerKeyPrefix}algorithm`)
    ) {
      await response.body?.cancel();
      return;
    }
    const headers = new Headers(response.headers);
    for (const h of ["x-amz-request-id", "x-amz-id-2", "set-cookie", "x-s3dir-edge-cache"]) headers.delete(h);
    if (!headers.has("cache-control")) {
      headers.set("cache-control", `max-age=${this.options.defaultSeconds}`);
      headers.set(defaultTtlMarker, "1");
    }
    const grantHeaders = new Headers({ etag, "cache-control": `max-age=${this.options.grantSeconds}` });
    for (const [name, value] of response.headers) {
      if (!isCorsHeader(name)) continue;
      headers.delete(name);
      grantHeaders.set(name, value);
    }
    await Promise.all([
      this.cache.put(objectKey(t), new Response(response.body, { status: 200, headers })),
      this.cache.put(grantKey(t, principalKey), new Response(null, { headers: grantHeaders })),
    ]);
  }

  /** Forgets the object's copy (every grant then misses on its ETag or the absent copy). */
  async purge(t: CacheTarget): Promise<void> {
    await this.cache.delete(objectKey(t));
  }
}
