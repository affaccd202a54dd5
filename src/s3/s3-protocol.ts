import { fromAuthError } from "./auth-errors.ts";
import { s3ErrorResponse } from "./error-response.ts";
import { isS3Error, S3Error } from "./errors.ts";
import type { Protocol } from "./exchange.ts";
import { toS3Error } from "./storage-errors.ts";

/** S3: `x-amz-request-id`, and every error of any layer as one S3Error in S3 XML. */
export const s3Protocol: Protocol = {
  requestIdHeader: "x-amz-request-id",
  operationName: (exchange) => exchange.operation || "Unknown",
  errorOf(caught, req, exchange) {
    const target = exchange.target && { ...exchange.target, method: req.method };
    const error = toS3Error(fromAuthError(caught), target);
    const s3Error = isS3Error(error) ? error : new S3Error("InternalError");
    const resource = exchange.target?.rawPath ?? "/";
    return {
      response: s3ErrorResponse(s3Error, req.method, resource, exchange.requestId),
      code: s3Error.code,
      internal: !isS3Error(error) || s3Error.code === "InternalError",
    };
  },
};
