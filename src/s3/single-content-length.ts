/**
 * A Content-Length field sent more than once with one value arrives combined ("7, 7"); rclone's
 * presigned PUTs send it so (the Go client writes the signed header beside its own). RFC 9110
 * section 8.6 lets a recipient read that as the one length, and S3 does, for the body and for a
 * signature over the header. Any other request is returned as it is.
 */
export function withSingleContentLength(req: Request): Request {
  const value = req.headers.get("content-length");
  if (value === null || !value.includes(",")) return req;
  const lengths = value.split(",").map((part) => part.trim());
  const first = lengths[0]!;
  if (!/^\d+$/.test(first) || lengths.some((length) => length !== first)) return req;
  const headers = new Headers(req.headers);
  headers.set("content-length", first);
  return new Request(req, { headers });
}
