const hostPart = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0"))
  .join("")
  .toUpperCase();
let counter = Math.floor(Math.random() * 0xffffffff);

/** A 16-character upper-case hex id, unique per host and request, as S3 request ids look. */
export function newRequestId(): string {
  counter = (counter + 1) >>> 0;
  return hostPart + counter.toString(16).toUpperCase().padStart(8, "0");
}

/** x-amz-id-2: an opaque id of the host that answered. */
export const hostId = btoa(`s3dir-${hostPart}`);
