/** One member of the pool: where it listens and how to reach it. */
export type HostScheme = "http" | "https";

export interface ClusterHost {
  /** `HOST:PORT`: a DNS name, an IPv4 address or a bracketed IPv6 address, then a port. */
  address: string;
  scheme: HostScheme;
}

const dnsLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv6 = /^[0-9a-f:.]{2,45}$/;

function validHost(host: string): boolean {
  if (host.startsWith("[") && host.endsWith("]")) {
    const inner = host.slice(1, -1);
    return ipv6.test(inner) && inner.includes(":") && URL.canParse(`http://${host}/`);
  }
  if (/^[\d.]+$/.test(host)) return ipv4.test(host);
  return host.length <= 253 && host.split(".").every((label) => dnsLabel.test(label));
}

/**
 * Checks and normalizes `HOST:PORT` (host lower-cased); throws a message an operator can act on.
 * IPv6 addresses are written in brackets: `[fd00::1]:9000`.
 */
export function parseHostAddress(text: string): string {
  const value = text.trim().toLowerCase();
  const colon = value.lastIndexOf(":");
  const host = colon > 0 ? value.slice(0, colon) : "";
  const port = colon > 0 ? value.slice(colon + 1) : "";
  if (!host || !/^\d{1,5}$/.test(port)) {
    throw new Error(`'${text}' is not HOST:PORT (e.g. s3-1.example.com:9000, 10.0.0.7:9000, [fd00::7]:9000)`);
  }
  const portNumber = Number(port);
  if (portNumber < 1 || portNumber > 65_535) throw new Error(`'${text}': the port is 1-65535`);
  if (!validHost(host)) throw new Error(`'${text}': '${host}' is not a host name or IP address`);
  return `${host}:${portNumber}`;
}

/** Checks `--scheme`; http unless given. */
export function parseScheme(text: string | undefined): HostScheme {
  if (text === undefined || text === "http" || text === "https") return text ?? "http";
  throw new Error(`--scheme is http or https, not '${text}'`);
}

/** The base URL of a host, e.g. `http://10.0.0.7:9000`. */
export function hostUrl(host: ClusterHost): string {
  return `${host.scheme}://${host.address}`;
}
