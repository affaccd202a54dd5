/**
 * Streaming decoder for `Content-Encoding: aws-chunked` bodies (x-amz-content-sha256 STREAMING-*):
 * takes the framing off, verifies every chunk signature of the chain and the trailer signature, and
 * collects trailing headers. Holds at most one chunk in memory (only when chunks are signed).
 *
 * Refusals, raised as stream errors (AuthError):
 * - size line not `hex[;chunk-signature=<64 hex>]\r\n`, a line over 4 KiB, data not followed by
 *   CRLF, a chunk over maxChunkSize, bytes after the end → InvalidRequest
 * - a chunk signature that does not verify, a trailer signature that does not verify → SignatureDoesNotMatch
 * - body ends before the final chunk (or inside a line), decoded size ≠ decodedLength → IncompleteBody
 * - trailer line without `:`, trailers over 16 KiB, lines after the trailer signature, missing
 *   trailer signature (signed trailer mode) → MalformedTrailerError
 * Tolerated: the body ending right after the final chunk's line or after the last trailer line
 * (without the closing empty line), as some SDKs send; trailer lines ending in a bare LF.
 */

import { isLowerHex64 } from "../lib/hex.ts";
import { EMPTY_SHA256_HEX } from "../lib/sha256.ts";
import { timingSafeEqual } from "../lib/timing-safe-equal.ts";
import { AuthError } from "./errors.ts";
import type { ChunkSigningContext } from "./types.ts";

export interface AwsChunkedOptions {
  /** Present for STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: chunks are signed (AuthResult.chunkSigning). */
  signing?: ChunkSigningContext;
  /** Trailing headers follow the final chunk (the -TRAILER modes). */
  trailer: boolean;
  /** x-amz-decoded-content-length: the decoded size must equal it. */
  decodedLength?: number;
  /** Largest signed chunk accepted (it is buffered whole); default 16 MiB. */
  maxChunkSize?: number;
}

export interface AwsChunkedDecoder {
  /** Encoded body in, object bytes out. Errors with an AuthError on any refusal. */
  transform: TransformStream<Uint8Array, Uint8Array>;
  /**
   * Trailing headers (lowercase name → value, without x-amz-trailer-signature), resolved once the
   * whole body was read and verified; rejected with the stream's error.
   */
  trailers: Promise<Record<string, string>>;
}

export const DEFAULT_MAX_CHUNK_SIZE = 16 * 1024 * 1024;
const MAX_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const LF = 10;
const CR = 13;

type Phase = "size" | "data" | "data-end" | "trailer" | "done";

/** Creates a decoder for one aws-chunked body. */
export function createAwsChunkedDecoder(options: AwsChunkedOptions): AwsChunkedDecoder {
  let settle!: (trailers: Record<string, string>) => void;
  let fail!: (error: unknown) => void;
  const trailers = new Promise<Record<string, string>>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  trailers.catch(() => {});
  const decoder = new ChunkedDecoder(options);
  const transformer: Transformer<Uint8Array, Uint8Array> & { cancel?: (reason: unknown) => void } = {
    transform: (chunk, controller) =>
      decoder.push(chunk, controller).catch((error: unknown) => {
        fail(error);
        throw error;
      }),
    flush: async () => {
      try {
        await decoder.finish();
        settle(decoder.trailers);
      } catch (error) {
        fail(error);
        throw error;
      }
    },
    cancel: (reason) => fail(reason),
  };
  return { transform: new TransformStream(transformer), trailers };
}

class ChunkedDecoder {
  readonly trailers: Record<string, string> = {};
  private phase: Phase = "size";
  private line = "";
  /** Bytes of the current chunk still to come. */
  private remaining = 0;
  /** Signed chunk being assembled across inputs, and how much of it is filled. */
  private buffer: Uint8Array | undefined;
  private filled = 0;
  private chunkSignature = "";
  private crlfSeen = 0;
  private decoded = 0;
  private previousSignature: string;
  private trailerText = "";
  private trailerBytes = 0;
  private trailerSignature: string | undefined;
  private readonly signing: ChunkSigningContext | undefined;
  private readonly maxChunkSize: number;

  constructor(private readonly options: AwsChunkedOptions) {
    this.signing = options.signing;
    this.previousSignature = options.signing?.seedSignature ?? "";
    this.maxChunkSize = options.maxChunkSize ?? DEFAULT_MAX_CHUNK_SIZE;
  }

  async push(input: Uint8Array, out: TransformStreamDefaultController<Uint8Array>): Promise<void> {
    let i = 0;
    while (i < input.length) {
      switch (this.phase) {
        case "size":
        case "trailer": {
          const next = this.readLine(input, i);
          if (next < 0) return;
          i = next;
          if (this.phase === "size") await this.onSizeLine();
          else await this.onTrailerLine();
          break;
        }
        case "data": {
          const take = Math.min(this.remaining, input.length - i);
          const piece = input.subarray(i, i + take);
          i += take;
          this.remaining -= take;
          if (!this.signing) {
            if (take > 0) out.enqueue(piece);
          } else if (this.buffer === undefined && this.remaining === 0) {
            await this.verifyChunk(piece);
            out.enqueue(piece);
          } else {
            this.buffer ??= new Uint8Array(this.filled + take + this.remaining);
            this.buffer.set(piece, this.filled);
            this.filled += take;
            if (this.remaining === 0) {
              const whole = this.buffer;
              this.buffer = undefined;
              this.filled = 0;
              await this.verifyChunk(whole);
              out.enqueue(whole);
            }
          }
          if (this.remaining === 0) this.phase = "data-end";
          break;
        }
        case "data-end": {
          if (input[i] !== (this.crlfSeen === 0 ? CR : LF)) {
            throw new AuthError("InvalidRequest", "Chunk data must be followed by CRLF.");
          }
          i++;
          if (++this.crlfSeen === 2) {
            this.crlfSeen = 0;
            this.phase = "size";
          }
          break;
        }
        case "done":
          throw new AuthError("InvalidRequest", "Unexpected data after the end of the aws-chunked body.");
      }
    }
  }

  async finish(): Promise<void> {
    if (this.phase === "trailer" && this.line === "") {
      if (this.signing && this.options.trailer) await this.verifyTrailer();
      this.phase = "done";
    }
    if (this.phase !== "done") throw new AuthError("IncompleteBody", "The aws-chunked body ended early.");
    if (this.options.decodedLength !== undefined && this.decoded !== this.options.decodedLength) {
      throw incomplete(`${this.decoded}`, this.options.decodedLength);
    }
  }

  /** Appends input up to LF to the current line; returns the index after the LF, or -1 when none yet. */
  private readLine(input: Uint8Array, from: number): number {
    const lf = input.indexOf(LF, from);
    const end = lf < 0 ? input.length : lf;
    const limit = this.phase === "size" ? MAX_LINE : MAX_TRAILER_BYTES - this.trailerBytes;
    if (this.line.length + (end - from) > limit) {
      throw this.phase === "size"
        ? new AuthError("InvalidRequest", "Chunk size line too long.")
        : new AuthError("MalformedTrailerError", "The trailing headers are too large.");
    }
    if (end > from) this.line += latin1(input.subarray(from, end));
    return lf < 0 ? -1 : lf + 1;
  }

  private async onSizeLine(): Promise<void> {
    const line = this.line;
    this.line = "";
    const match = this.signing
      ? /^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})\r$/.exec(line)
      : /^([0-9a-fA-F]{1,16})(?:;[^\r]*)?\r$/.exec(line);
    if (!match) throw new AuthError("InvalidRequest", "Invalid chunk size line in aws-chunked body.");
    const size = Number.parseInt(match[1]!, 16);
    if (!Number.isSafeInteger(size) || (this.signing && size > this.maxChunkSize)) {
      throw new AuthError(
        "InvalidRequest",
        `Chunk size ${match[1]} exceeds the maximum of ${this.maxChunkSize}.`,
      );
    }
    const { decodedLength } = this.options;
    if (decodedLength !== undefined && this.decoded + size > decodedLength) {
      throw incomplete(`at least ${this.decoded + size}`, decodedLength);
    }
    this.decoded += size;
    this.chunkSignature = match[2] ?? "";
    if (size === 0) {
      if (this.signing) await this.verifyChunk(new Uint8Array(0));
      this.phase = "trailer";
    } else {
      this.remaining = size;
      this.phase = "data";
    }
  }

  private async onTrailerLine(): Promise<void> {
    const raw = this.line;
    this.line = "";
    this.trailerBytes += raw.length + 1;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const signedTrailer = this.signing !== undefined && this.options.trailer;
    if (text === "") {
      // Some clients put an empty line between the checksum and the trailer signature.
      if (signedTrailer && this.trailerSignature === undefined && this.trailerText !== "") return;
      if (signedTrailer) await this.verifyTrailer();
      this.phase = "done";
      return;
    }
    if (!this.options.trailer) {
      throw new AuthError("InvalidRequest", "Unexpected data after the final chunk of the aws-chunked body.");
    }
    const colon = text.indexOf(":");
    if (colon <= 0 || this.trailerSignature !== undefined) {
      throw new AuthError(
        "MalformedTrailerError",
        "The request contained trailing data that was not well-formed.",
      );
    }
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === "x-amz-trailer-signature") {
      if (signedTrailer) this.trailerSignature = value;
      return;
    }
    this.trailers[name] = value;
    this.trailerText += `${name}:${value}\n`;
  }

  private async verifyChunk(data: Uint8Array): Promise<void> {
    const signing = this.signing!;
    const hash = data.length === 0 ? EMPTY_SHA256_HEX : await signing.crypto.sha256Hex(data);
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${signing.amzDate}\n${signing.scope}\n${this.previousSignature}\n${EMPTY_SHA256_HEX}\n${hash}`;
    const expected = await signing.crypto.hmacHex(signing.signingKey, toSign);
    if (!timingSafeEqual(expected, this.chunkSignature)) {
      throw new AuthError("SignatureDoesNotMatch", "The chunk signature does not match.", {
        StringToSign: toSign,
        SignatureProvided: this.chunkSignature,
      });
    }
    this.previousSignature = this.chunkSignature;
  }

  private async verifyTrailer(): Promise<void> {
    const signature = this.trailerSignature;
    if (signature === undefined || !isLowerHex64(signature)) {
      throw new AuthError(
        "MalformedTrailerError",
        "The trailing headers lack a valid x-amz-trailer-signature.",
      );
    }
    const signing = this.signing!;
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${signing.amzDate}\n${signing.scope}\n${this.previousSignature}\n${await signing.crypto.sha256Hex(this.trailerText)}`;
    const expected = await signing.crypto.hmacHex(signing.signingKey, toSign);
    if (!timingSafeEqual(expected, signature)) {
      throw new AuthError("SignatureDoesNotMatch", "The trailer signature does not match.", {
        StringToSign: toSign,
        SignatureProvided: signature,
      });
    }
  }
}

function incomplete(decoded: string, declared: number): AuthError {
  return new AuthError(
    "IncompleteBody",
    `The aws-chunked body decodes to ${decoded} bytes, but x-amz-decoded-content-length is ${declared}.`,
  );
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}
