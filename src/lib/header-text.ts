const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A header value as the text its sender meant. Runtimes hand header bytes over as Latin-1
 * characters; the AWS SDKs send non-ASCII text (user metadata) as UTF-8 and sign the text, so a
 * value whose bytes are valid UTF-8 is read as UTF-8. Anything else is left as it came.
 */
export function headerText(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  try {
    return utf8.decode(Uint8Array.from(value, (c) => c.charCodeAt(0)));
  } catch {
    return value;
  }
}
