import { groupList } from "../runtime/group-list.ts";
import type { PosixIdentity } from "../storage/index.ts";
import type { S3Context } from "./context.ts";

/** How long a uid's groups are believed: a change to /etc/group shows within this. */
const GROUPS_TTL_MS = 10_000;
const MAX_CACHED = 10_000;
const cache = new Map<string, { identity: PosixIdentity; until: number }>();

/**
 * The identity whose file permissions a request must also satisfy (--posix-permissions
 * enforce): a mapped user's or session's uid with its gid and the system's supplementary
 * groups of that uid, the anonymous uid/gid for anonymous requests. Undefined (nothing is
 * checked) when the option is off, and for the root credential and unmapped users, whose
 * requests are the server's own as far as the filesystem is concerned.
 */
export function posixAccess(ctx: S3Context): PosixIdentity | undefined {
  const enforce = ctx.config.posixPermissions;
  if (!enforce) return undefined;
  const principal = ctx.auth.principal;
  const ids = principal.kind === "anonymous" ? enforce.anonymous : principal.posix;
  return ids && identityOf(ids.uid, ids.gid);
}

function identityOf(uid: number, gid: number): PosixIdentity {
  const key = `${uid}:${gid}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.identity;
  if (cache.size >= MAX_CACHED) cache.clear();
  const identity = { uid, gids: groupList(uid, gid) };
  cache.set(key, { identity, until: now + GROUPS_TTL_MS });
  return identity;
}
