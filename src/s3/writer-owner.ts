import type { FileOwner } from "../storage/index.ts";
import type { S3Context } from "./context.ts";

/**
 * The POSIX owner of what a write creates: the user's mapping (a session inherits its user's),
 * the anonymous owner for anonymous writes, none for the root credential and unmapped users
 * (the files stay the server's).
 */
export function writerOwner(ctx: S3Context): FileOwner | undefined {
  const principal = ctx.auth.principal;
  if (principal.kind === "anonymous") return ctx.config.anonymousOwner;
  return principal.posix;
}
