/**
 * Whether a request path (still percent-encoded) has a `.` or `..` segment, spelled plainly, as
 * `%2e`, or between encoded slashes (`a%2F..%2Fb`): such a path names no key s3dir can hold, and a
 * runtime or proxy may resolve it to another key or bucket before anyone checks it.
 */
export function hasDotSegment(path: string): boolean {
  if (!path.includes(".") && !/%2e/i.test(path)) return false;
  const plain = path.replace(/%2e/gi, ".").replace(/%2f/gi, "/");
  for (const segment of plain.split("/")) if (segment === "." || segment === "..") return true;
  return false;
}

/** The path of a request target as sent on the request line (origin or absolute form). */
export function pathOfTarget(target: string): string {
  let start = 0;
  if (!target.startsWith("/")) {
    const scheme = target.indexOf("://");
    start = scheme < 0 ? 0 : target.indexOf("/", scheme + 3);
    if (start < 0) return "/";
  }
  const q = target.indexOf("?", start);
  return q < 0 ? target.slice(start) : target.slice(start, q);
}
