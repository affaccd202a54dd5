/**
 * Compares two strings in time that depends only on their lengths, never on where they differ.
 * Meant for signatures and tokens; strings of different lengths are unequal.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
