/**
 * What the edge decides about a request's signature before any origin sees it, with the hosts' own
 * code: `authenticate` (SigV4 header or query, SigV2 links), `openSessionToken` and `sessionCredential` (STS).
 * Web-standard only: the same module runs under Bun in the tests and in workerd.
 */
import { authenticate } from "../auth/authenticate.ts";
import { AuthError, isAuthError } from "../auth/errors.ts";
import { sessionCredential } from "../auth/session-credential.ts";
import { openSessionToken, type TokenKey } from "../auth/session-token.ts";
import type { Credential, CredentialLookup, Principal, SignedRequest } from "../auth/types.ts";
import { s3ErrorOfAuth } from "../s3/auth-errors.ts";
import type { S3Error } from "../s3/errors.ts";

export interface EdgeKeys {
  region: string;
  /** STS token keys by id: temporary credentials are checked at the edge when their key is here. */
  tokenKeys: ReadonlyMap<string, TokenKey>;
  /** Long-term keys the edge may check itself (access key id → secret). */
  edgeKeys: ReadonlyMap<string, string>;
  /** What to do with a signature by a key the edge does not hold. */
  unknownKeys: "forward" | "refuse";
}

export type EdgeVerdict =
  /** Signed by a key the edge holds, and the signature, scope and expiry check out. */
  | { kind: "verified"; principal: Principal; presigned: boolean }
  /** No signature at all. */
  | { kind: "anonymous" }
  /** Signed by a key the edge cannot check: the origin decides. */
  | { kind: "forward" }
  /** Refused here, with the error the hosts would give (the S3 mapping of src/s3/auth-errors.ts). */
  | { kind: "refused"; error: S3Error };

/**
 * Checks a request's signature with the keys the edge holds. `path` and `query` are raw, as the
 * client sent them; `headers` carry the Host the client signed. `services` are those the signature
 * may be scoped to: "s3", or "sts" and "iam" for the Query API (with `bodySha256` given).
 */
export async function verifyAtEdge(
  req: SignedRequest,
  keys: EdgeKeys,
  now = new Date(),
  services: readonly string[] = ["s3"],
): Promise<EdgeVerdict> {
  let unknown = false;
  const lookup: CredentialLookup = async (accessKeyId, token) => {
    const credential = token ? await sessionOf(accessKeyId, token, keys, now) : longTermOf(accessKeyId, keys);
    if (credential === "unknown") {
      unknown = true;
      return undefined;
    }
    return credential;
  };
  try {
    const result = await authenticate(req, lookup, { region: keys.region, now, services });
    if (result.kind === "anonymous") return { kind: "anonymous" };
    return { kind: "verified", principal: result.principal, presigned: result.presigned };
  } catch (e) {
    if (unknown && keys.unknownKeys === "forward") return { kind: "forward" };
    if (isAuthError(e)) return { kind: "refused", error: s3ErrorOfAuth(e) };
    throw e;
  }
}

function longTermOf(accessKeyId: string, keys: EdgeKeys): Credential | "unknown" {
  const secretAccessKey = keys.edgeKeys.get(accessKeyId);
  if (secretAccessKey === undefined) return "unknown";
  return { accessKeyId, secretAccessKey, principal: { kind: "user", name: "", accessKeyId } };
}

/**
 * A temporary credential from its token, as the hosts open it (src/iam/session-credentials.ts) less the
 * parent-key check, which needs the user files: the origin makes that one.
 */
async function sessionOf(
  accessKeyId: string,
  token: string,
  keys: EdgeKeys,
  now: Date,
): Promise<Credential | "unknown"> {
  if (keys.tokenKeys.size === 0) return "unknown";
  const claims = await openSessionToken(token, (id) => keys.tokenKeys.get(id));
  if (!claims || claims.accessKeyId !== accessKeyId) {
    throw new AuthError("InvalidToken", "The provided token is malformed or otherwise invalid.");
  }
  if (now.getTime() >= claims.expiresAt * 1000) {
    throw new AuthError("ExpiredToken", "The provided token has expired.");
  }
  return sessionCredential(claims, token);
}
