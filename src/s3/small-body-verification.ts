import { BodyHasher, type BodyVerification } from "../storage/index.ts";
import { S3Error } from "./errors.ts";

/** Applies the checks storage would apply while streaming, to a body already in memory. */
export async function verifySmallBody(body: Uint8Array, verify: BodyVerification): Promise<void> {
  if (verify.expectedSize !== undefined && verify.expectedSize !== body.byteLength) {
    throw new S3Error(
      "IncompleteBody",
      "You did not provide the number of bytes specified by the Content-Length HTTP header.",
    );
  }
  const hasher = new BodyHasher({
    sha256: verify.sha256Hex !== undefined,
    checksum: verify.checksum?.algorithm,
  });
  hasher.update(body);
  const digests = hasher.finish();
  if (verify.md5Base64 !== undefined && Buffer.from(digests.md5).toString("base64") !== verify.md5Base64) {
    throw new S3Error("BadDigest");
  }
  if (verify.sha256Hex !== undefined && digests.sha256Hex !== verify.sha256Hex) {
    throw new S3Error("XAmzContentSHA256Mismatch");
  }
  const late = await verify.beforePublish?.();
  const expected = late?.checksumExpected ?? verify.checksum?.expected;
  if (expected !== undefined && digests.checksum !== expected) {
    throw new S3Error("BadDigest", "The checksum you specified did not match the calculated checksum.");
  }
}
