import type { AuthResult } from "../../auth/types.ts";
import { QueryError } from "./query-error.ts";

/** One request of the Query protocol, authenticated (never anonymous). */
export interface QueryContext {
  action: string;
  params: URLSearchParams;
  auth: Extract<AuthResult, { kind: "sigv4" }>;
  requestId: string;
}

/** Runs an action; returns the inner XML of its <ActionResult>, or undefined when it has none. */
export type QueryAction = (ctx: QueryContext) => Promise<string | undefined>;

/** The value of a parameter that must be present. */
export function requiredParam(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null) {
    throw new QueryError(
      "ValidationError",
      `1 validation error detected: Value null at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}
