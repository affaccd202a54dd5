/** IPv4 and IPv6 addresses and CIDR blocks for IpAddress / NotIpAddress (aws:SourceIp). */

type Address = { v6: boolean; value: bigint };

function parseV4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

export function parseIp(text: string): Address | undefined {
  if (text.includes(":")) {
    const value = parseV6(text);
    if (value === undefined) return undefined;
    // IPv4-mapped IPv6 (::ffff:a.b.c.d) compares as IPv4.
    if (value >> 32n === 0xffffn) return { v6: false, value: value & 0xffffffffn };
    return { v6: true, value };
  }
  const value = parseV4(text);
  return value === undefined ? undefined : { v6: false, value };
}

export type Cidr = { v6: boolean; network: bigint; bits: number };

/** Parses `a.b.c.d[/n]` or `x::y[/n]`; a bare address is a /32 or /128. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, prefix, extra] = text.trim().split("/");
  if (extra !== undefined || !addr) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const width = ip.v6 ? 128 : 32;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return undefined;
  const bits = prefix === undefined ? width : Number(prefix);
  if (bits > width) return undefined;
  return { v6: ip.v6, network: ip.value >> BigInt(width - bits), bits };
}

export function cidrContains(cidr: Cidr, ipText: string): boolean {
  const ip = parseIp(ipText.trim());
  if (!ip || ip.v6 !== cidr.v6) return false;
  const width = ip.v6 ? 128 : 32;
  return ip.value >> BigInt(width - cidr.bits) === cidr.network;
}
