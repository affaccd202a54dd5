/**
 * The Host a client signed, when a trusted proxy (the edge worker, a load balancer) forwarded the
 * request under another Host. Such a proxy sends the original as X-Forwarded-Host; it is believed
 * only from the configured proxy addresses (`s3dir serve --trusted-proxy CIDR[,CIDR…]`), so a
 * client talking to a host directly cannot choose the Host its signature is checked against.
 * The signature itself is still verified here, with the user's own key: a proxy adds no rights.
 */
import { type Cidr, cidrContains, parseCidr } from "../auth/policy/ip-cidr.ts";

/** Parses a comma-separated list of addresses or CIDR blocks; throws on a malformed entry. */
export function parseTrustedProxies(text: string): Cidr[] {
  const proxies: Cidr[] = [];
  for (const entry of text.split(",")) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    const cidr = parseCidr(trimmed);
    if (!cidr) throw new Error(`not an address or CIDR block: ${trimmed}`);
    proxies.push(cidr);
  }
  return proxies;
}

/**
 * The request headers to resolve and verify the request with: `headers` itself, or, when the peer
 * is a trusted proxy that sent X-Forwarded-Host, a copy whose Host is the forwarded one (its first
 * value, as a chain of proxies appends).
 */
export function signedHeadersOf(headers: Headers, remoteIp: string, trusted: readonly Cidr[]): Headers {
  if (trusted.length === 0) return headers;
  const forwarded = headers.get("x-forwarded-host");
  if (forwarded === null) return headers;
  const host = forwarded.split(",")[0]!.trim();
  if (host === "" || /[\s/@]/.test(host)) return headers;
  if (!trusted.some((cidr) => cidrContains(cidr, remoteIp))) return headers;
  const copy = new Headers(headers);
  copy.set("host", host);
  return copy;
}
