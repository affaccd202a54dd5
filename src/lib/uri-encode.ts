const unreserved = /^[A-Za-z0-9\-._~]*$/;
const reservedBySpec = /[!'()*]/g;

function percentOf(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
}

/**
 * Percent-encodes per RFC 3986: A-Z a-z 0-9 - . _ ~ stay, every other UTF-8 byte becomes %XX
 * (uppercase). A string holding a lone surrogate, which has no UTF-8 form, is returned as is.
 */
export function encodeRfc3986(value: string): string {
  if (unreserved.test(value)) return value;
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    return value;
  }
  return encoded.replace(reservedBySpec, percentOf);
}

/** Percent-decodes once; input that is not valid percent-encoded UTF-8 is returned unchanged. */
export function decodePercent(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Decodes a query-string name or value: `+` is a space, then percent-decoding. */
export function decodeQueryComponent(value: string): string {
  return decodePercent(value.includes("+") ? value.replace(/\+/g, " ") : value);
}
