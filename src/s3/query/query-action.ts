import type { AuthResult } from "../../auth/types.ts";

/** One request of the Query protocol, authenticated (never anonymous). */
export interface QueryContext {
  action: string;
  params: URLSearchParams;
  auth: Extract<AuthResult, { kind: "sigv4" }>;
  requestId: string;
}

/** Runs an action; returns the inner XML of its <ActionResult>, or undefined when it has none. */
export type QueryAction = (ctx: QueryContext) => Promise<string | undefined>;

/** An action that takes no signature (STS federation: the form carries the proof of identity). */
export type UnsignedQueryAction = (ctx: { params: URLSearchParams; requestId: string }) => Promise<string>;
