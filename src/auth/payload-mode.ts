import { isLowerHex64 } from "../lib/hex.ts";
import { AuthError } from "./errors.ts";
import type { PayloadMode } from "./types.ts";

export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

const modes: Record<string, PayloadMode> = {
  [UNSIGNED_PAYLOAD]: { kind: "unsigned" },
  [STREAMING_SIGNED]: { kind: "streaming-signed", trailer: false },
  [STREAMING_SIGNED_TRAILER]: { kind: "streaming-signed", trailer: true },
  [STREAMING_UNSIGNED_TRAILER]: { kind: "streaming-unsigned-trailer" },
};

/** The payload mode an x-amz-content-sha256 value declares; InvalidArgument for anything else. */
export function parsePayloadMode(value: string): PayloadMode {
  const mode = modes[value];
  if (mode) return mode;
  if (isLowerHex64(value)) return { kind: "sha256", hex: value };
  throw new AuthError(
    "InvalidArgument",
    `x-amz-content-sha256 must be ${UNSIGNED_PAYLOAD}, ${STREAMING_SIGNED}, ${STREAMING_SIGNED_TRAILER}, ` +
      `${STREAMING_UNSIGNED_TRAILER} or a valid sha256 value.`,
    { ArgumentName: "x-amz-content-sha256", ArgumentValue: value },
  );
}

/** True when the body is aws-chunked encoded (any STREAMING-* mode). */
export function isAwsChunked(mode: PayloadMode): boolean {
  return mode.kind === "streaming-signed" || mode.kind === "streaming-unsigned-trailer";
}
