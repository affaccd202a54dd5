/**
 * The headers of every console response: a Content-Security-Policy that allows only this
 * origin's script, style and requests (no inline code, no framing, no plugins), the same
 * framing refusal for old browsers, no MIME sniffing, and no Referer (a presigned link in
 * the address bar must not leak to another site).
 */
export const consoleSecurityHeaders: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

/** Hashed assets never change under their name. */
export const immutableCache = "public, max-age=31536000, immutable";
/** The page names the current assets, so it is asked for again each time. */
export const revalidateCache = "no-cache";
