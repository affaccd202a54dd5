/**
 * RFC 2047 encoded words (`=?UTF-8?B?Y2Fmw6k=?=`): how S3 carries non-ASCII user metadata in
 * headers. Values are decoded before they are stored and encoded again when they are not ASCII.
 */

const encodedWord = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
const betweenWords = /(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)/g;

/** The text of a value with encoded words; words in an unknown charset are left as they are. */
export function decodeRfc2047(value: string): string {
  if (!value.includes("=?")) return value;
  // Whitespace between two encoded words is not part of the text (RFC 2047, 6.2).
  return value
    .replace(betweenWords, "$1")
    .replace(encodedWord, (word, charset: string, kind: string, text: string) => {
      try {
        const bytes = kind.toUpperCase() === "B" ? base64Bytes(text) : qBytes(text);
        return new TextDecoder(charset.toLowerCase(), { fatal: true }).decode(bytes);
      } catch {
        return word;
      }
    });
}

/** The value as one UTF-8 B encoded word when it is not printable ASCII; as it is otherwise. */
export function encodeRfc2047(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  let binary = "";
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return `=?UTF-8?B?${btoa(binary)}?=`;
}

function base64Bytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function qBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "_") out.push(0x20);
    else if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c.charCodeAt(0));
  }
  return Uint8Array.from(out);
}
