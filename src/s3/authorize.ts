import type { AuthResult } from "../auth/types.ts";
import { S3Error } from "./errors.ts";

export interface AccessRequest {
  action: string;
  resource: string;
}

/**
 * Decides whether the authenticated caller may perform an action on a resource. Today the
 * root credential may do everything and anonymous callers nothing; users, policies and
 * bucket policies will judge `_request` here without handlers changing.
 */
export function authorize(auth: AuthResult, _request: AccessRequest): void {
  if (auth.principal.kind === "root") return;
  throw new S3Error("AccessDenied");
}
