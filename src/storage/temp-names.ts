/** Random names for staging files: unique across hosts without coordination. */
const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

export function randomName(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let s = "";
  for (const b of bytes) s += alphabet[b % 36];
  return `${prefix}-${Date.now().toString(36)}-${s}`;
}
