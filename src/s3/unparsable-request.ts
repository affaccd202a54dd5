/**
 * Answers for requests the runtime's HTTP parser refuses before any handler runs (headers over the
 * limit, a malformed Content-Length, Content-Length with Transfer-Encoding, control characters),
 * rendered as S3 errors where the runtime lets s3dir answer them (Node; Bun.serve answers itself).
 */
import { renderErrorXml, S3Error } from "./errors.ts";
import { newRequestId } from "./request-id.ts";

/** The largest request header section (request line and headers) a host accepts. */
export const maxRequestHeaderBytes = 64 * 1024;

export type UnparsableProblem = "headers-too-large" | "malformed";

export interface UnparsableAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function unparsableRequestAnswer(problem: UnparsableProblem): UnparsableAnswer {
  const error =
    problem === "headers-too-large"
      ? new S3Error("RequestHeaderSectionTooLarge", undefined, {
          MaxSizeAllowed: String(maxRequestHeaderBytes),
        })
      : new S3Error("BadRequest");
  const requestId = newRequestId();
  return {
    status: error.status,
    headers: { "content-type": "application/xml", "x-amz-request-id": requestId },
    body: renderErrorXml(error, "/", requestId),
  };
}
