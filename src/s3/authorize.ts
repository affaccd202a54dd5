import type { AuthResult } from "../auth/types.ts";
import { S3Error } from "./errors.ts";

export interface AccessRequest {
  action: string;
  resource: string;
}

/**
 * Decides whether the authenticated caller may perform an action on a resource.
 * The root credential may do everything; anonymous callers nothing.
 */
export function authorize(auth: AuthResult, request: AccessRequest): void {
  if (auth.principal.kind === "root") return;
  void request;
  throw new S3Error("AccessDenied");
}
