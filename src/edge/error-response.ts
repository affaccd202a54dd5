/** A refusal at the edge, rendered as the hosts render it (s3/error-response.ts). */
import type { ErrorHandler } from "hono";
import { s3ErrorResponse } from "../s3/error-response.ts";
import { isS3Error, S3Error } from "../s3/errors.ts";
import { newRequestId } from "../s3/request-id.ts";
import { rawTargetOf } from "./raw-target.ts";

/** The edge app's onError: an S3Error as S3 XML (no body for HEAD), marked as the edge's own answer. */
export const edgeRefusal: ErrorHandler = (caught, c) => {
  const error = isS3Error(caught) ? caught : new S3Error("InternalError");
  const requestId = newRequestId();
  const response = s3ErrorResponse(error, c.req.method, rawTargetOf(c.req.url).path, requestId);
  response.headers.set("x-amz-request-id", requestId);
  response.headers.set("x-s3dir-edge", "refused");
  return response;
};
