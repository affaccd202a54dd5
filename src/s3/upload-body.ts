import { createAwsChunkedDecoder } from "../auth/aws-chunked.ts";
import { awsChunkedOptionsFor } from "../auth/aws-chunked-options.ts";
import {
  type ChecksumAlgorithm,
  checksumHeaderName,
  parseChecksumAlgorithm,
} from "../lib/checksum-algorithm.ts";
import type { BodyVerification, UploadSource, WholeBody } from "../storage/index.ts";
import type { S3Context } from "./context.ts";
import { S3Error } from "./errors.ts";
import { guardSlowBody, minBytesPerWindow } from "./slow-body-guard.ts";

/** The most one request may carry: S3's limit for a single PUT and for one part (larger objects use multipart). */
const maxRequestObjectSize = 5 * 1024 ** 3;

/**
 * Bodies up to this size with a Content-Length are read whole (WholeBody). They fit in one
 * body-timeout window, so the slow-body guard leaves them alone either way.
 */
const wholeBodyMax = minBytesPerWindow;

export interface UploadBody {
  /** The decoded body as a stream (created on first use). */
  readonly stream: ReadableStream<Uint8Array>;
  /** The body as storage writes it: read whole when small and plain, else the stream. */
  readonly source: UploadSource;
  verify: BodyVerification;
  /** Checksum algorithm the client asked for, if any (to echo on the response). */
  checksumAlgorithm?: ChecksumAlgorithm;
}

const emptyStream = (): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      controller.close();
    },
  });

function parseLength(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) throw new S3Error("InvalidArgument", `${name} must be a non-negative integer.`);
  return Number(value);
}

function md5Header(headers: Headers): string | undefined {
  const value = headers.get("content-md5");
  if (value === null) return undefined;
  if (!/^[A-Za-z0-9+/]{22}==$/.test(value.trim()))
    throw new S3Error("InvalidDigest", "The Content-MD5 you specified is not valid.");
  return value.trim();
}

/** The checksum algorithm named by headers or the x-amz-trailer, with a header value to verify. */
function requestedChecksum(
  headers: Headers,
): { algorithm: ChecksumAlgorithm; expected?: string; inTrailer: boolean } | undefined {
  const trailer = headers.get("x-amz-trailer");
  if (trailer) {
    const name = trailer.trim().toLowerCase();
    const algorithm = parseChecksumAlgorithm(name.replace(/^x-amz-checksum-/, ""));
    if (!algorithm || !name.startsWith("x-amz-checksum-")) {
      throw new S3Error(
        "InvalidRequest",
        `The value specified in the x-amz-trailer header is not supported: ${trailer}`,
      );
    }
    return { algorithm, inTrailer: true };
  }
  let found: { algorithm: ChecksumAlgorithm; expected: string } | undefined;
  headers.forEach((value, name) => {
    if (
      !name.startsWith("x-amz-checksum-") ||
      name === "x-amz-checksum-type" ||
      name === "x-amz-checksum-mode"
    )
      return;
    const algorithm = parseChecksumAlgorithm(name.slice("x-amz-checksum-".length));
    if (!algorithm) throw new S3Error("InvalidRequest", `Unsupported checksum header ${name}.`);
    if (found)
      throw new S3Error(
        "InvalidRequest",
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
      );
    found = { algorithm, expected: value.trim() };
  });
  if (found) return { ...found, inTrailer: false };
  const sdkAlgorithm = headers.get("x-amz-sdk-checksum-algorithm");
  if (sdkAlgorithm) {
    const algorithm = parseChecksumAlgorithm(sdkAlgorithm);
    if (!algorithm)
      throw new S3Error("InvalidRequest", `Checksum algorithm ${sdkAlgorithm} is not supported.`);
    return { algorithm, inTrailer: false };
  }
  return undefined;
}

/**
 * Turns the request body into the decoded byte stream of the object plus every integrity
 * check the client asked for; storage applies the checks while it writes.
 */
export function uploadBody(ctx: S3Context, options: { lengthOptional?: boolean } = {}): UploadBody {
  const { req, auth } = ctx;
  const headers = req.headers;
  const payload = auth.payload;
  const contentLength = parseLength(headers.get("content-length"), "Content-Length");
  const chunked = awsChunkedOptionsFor(auth, headers);
  if (!chunked && contentLength === undefined && !options.lengthOptional) {
    // A body of unannounced length (chunked transfer without aws-chunked) is refused by S3 as a
    // header it does not implement; a body with no framing at all lacks its Content-Length.
    if (headers.has("transfer-encoding")) {
      throw new S3Error(
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        {
          Header: "Transfer-Encoding",
        },
      );
    }
    throw new S3Error("MissingContentLength", "You must provide the Content-Length HTTP header.");
  }
  const size = chunked ? chunked.decodedLength : contentLength;
  if (size !== undefined && size > maxRequestObjectSize) {
    throw new S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.", {
      ProposedSize: String(size),
      MaxSizeAllowed: String(maxRequestObjectSize),
    });
  }

  const checksum = requestedChecksum(headers);
  const trailerExpected = chunked?.trailer ?? false;
  if (checksum?.inTrailer && !trailerExpected) {
    throw new S3Error("InvalidRequest", "x-amz-trailer is only valid with a streaming trailer payload.");
  }
  const verify: BodyVerification = { expectedSize: size, md5Base64: md5Header(headers) };
  if (payload.kind === "sha256") verify.sha256Hex = payload.hex;
  if (checksum) verify.checksum = { algorithm: checksum.algorithm, expected: checksum.expected };

  const checksumAlgorithm = checksum?.algorithm;
  if (!chunked && contentLength !== undefined && contentLength <= wholeBodyMax) {
    const whole = wholeBody(req, contentLength);
    return {
      get stream() {
        return req.body ?? emptyStream();
      },
      source: whole,
      verify,
      checksumAlgorithm,
    };
  }
  let stream = req.body
    ? guardSlowBody(req.body, contentLength, ctx.config.bodyTimeoutMs ?? 0)
    : emptyStream();
  if (chunked) {
    const decoder = createAwsChunkedDecoder(chunked);
    stream = stream.pipeThrough(decoder.transform);
    if (trailerExpected) {
      verify.beforePublish = async () => {
        const trailers = await decoder.trailers;
        if (!checksum?.inTrailer) return undefined;
        const value = trailers[checksumHeaderName(checksum.algorithm)];
        if (!value)
          throw new S3Error(
            "MalformedTrailerError",
            "The request contained trailing data that was not well-formed or did not conform to our published schema.",
          );
        return { checksumExpected: value };
      };
    }
  }
  return { stream, source: stream, verify, checksumAlgorithm };
}

/** A plain body of a small declared size, read in one call when storage asks for it. */
function wholeBody(req: Request, size: number): WholeBody {
  return {
    size,
    read: async () => (size === 0 ? new Uint8Array(0) : new Uint8Array(await req.arrayBuffer())),
    cancel: async () => {
      if (!req.bodyUsed) await req.body?.cancel();
    },
  };
}
