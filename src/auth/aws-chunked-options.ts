import type { AwsChunkedOptions } from "./aws-chunked.ts";
import { AuthError } from "./errors.ts";
import type { AuthResult } from "./types.ts";

/**
 * Decoder options for a request whose body is aws-chunked (x-amz-content-sha256 STREAMING-*), or
 * undefined when the body is sent as is. Requires x-amz-decoded-content-length.
 */
export function awsChunkedOptionsFor(auth: AuthResult, headers: Headers): AwsChunkedOptions | undefined {
  const { payload } = auth;
  if (payload.kind !== "streaming-signed" && payload.kind !== "streaming-unsigned-trailer") return undefined;
  const declared = headers.get("x-amz-decoded-content-length");
  if (declared === null) {
    throw new AuthError(
      "MissingContentLength",
      "You must provide the x-amz-decoded-content-length HTTP header.",
    );
  }
  if (!/^\d{1,16}$/.test(declared) || !Number.isSafeInteger(Number(declared))) {
    throw new AuthError("InvalidArgument", "x-amz-decoded-content-length is not a valid length.", {
      ArgumentName: "x-amz-decoded-content-length",
      ArgumentValue: declared,
    });
  }
  const decodedLength = Number(declared);
  if (payload.kind === "streaming-unsigned-trailer") return { trailer: true, decodedLength };
  const signing = auth.kind === "sigv4" ? auth.chunkSigning : undefined;
  if (!signing)
    throw new AuthError("InvalidRequest", "A signed streaming payload requires a signed request.");
  return { signing, trailer: payload.trailer, decodedLength };
}
