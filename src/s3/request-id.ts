// Made on first use, not at import: workerd refuses random values in a worker's global scope.
let hostPart: string | undefined;
let counter = 0;
let hostIdValue: string | undefined;

function host(): string {
  if (hostPart === undefined) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    hostPart = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0"))
      .join("")
      .toUpperCase();
    counter = new DataView(bytes.buffer).getUint32(4);
  }
  return hostPart;
}

/** A 16-character upper-case hex id, unique per host and request, as S3 request ids look. */
export function newRequestId(): string {
  const prefix = host();
  counter = (counter + 1) >>> 0;
  return prefix + counter.toString(16).toUpperCase().padStart(8, "0");
}

/** x-amz-id-2: an opaque id of the host that answered. */
export function hostId(): string {
  hostIdValue ??= btoa(`s3dir-${host()}`);
  return hostIdValue;
}
