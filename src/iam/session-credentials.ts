import { assumedRoleArn } from "../auth/account.ts";
import { AuthError } from "../auth/errors.ts";
import { sessionCredential } from "../auth/session-credential.ts";
import { openSessionToken } from "../auth/session-token.ts";
import type { Credential, CredentialLookup } from "../auth/types.ts";
import type { TokenKeySet } from "./token-keys.ts";

/** Temporary access key ids start with this, as AWS's do. */
export const sessionKeyPrefix = "ASIA";

const maxCached = 10_000;

export interface SessionCredentialsOptions {
  tokenKeys: () => Promise<TokenKeySet>;
  /** Looks up the parent's long-term key: a session lives only while that key is active. */
  parentCredential: CredentialLookup;
  now?: () => number;
}

/**
 * Resolves temporary credentials from their self-contained token: no session store. A token opens
 * only under a key of the current key set (rotation revokes all), must name the access key it was
 * sent with, must not be expired, and its parent's key must still be active (disabling or deleting
 * the parent user or key revokes its sessions at the next request). Opened tokens are cached.
 */
export function createSessionCredentials(options: SessionCredentialsOptions): CredentialLookup {
  const now = options.now ?? Date.now;
  const opened = new Map<string, { credential: Credential; keyId: string }>();

  return async (accessKeyId, token) => {
    if (!token) return undefined;
    const keys = await options.tokenKeys();
    let entry = opened.get(token);
    if (entry && !keys.byId.has(entry.keyId)) {
      opened.delete(token);
      entry = undefined;
    }
    if (!entry) {
      let keyId = "";
      const claims = await openSessionToken(token, (id) => {
        keyId = id;
        return keys.byId.get(id);
      });
      if (!claims)
        throw new AuthError("InvalidToken", "The provided token is malformed or otherwise invalid.");
      if (opened.size >= maxCached) opened.clear();
      entry = { credential: sessionCredential(claims, token), keyId };
      opened.set(token, entry);
    }
    const { credential } = entry;
    if (credential.accessKeyId !== accessKeyId) {
      throw new AuthError("InvalidToken", "The provided token is malformed or otherwise invalid.");
    }
    const session = credential.principal.session!;
    if (now() >= session.expiresAt.getTime()) {
      throw new AuthError("ExpiredToken", "The provided token has expired.");
    }
    // A web identity session has no parent key: it lives until it expires (or the token key rotates).
    if (session.federated || session.policies) return credential;
    const parent = await options.parentCredential(session.parentAccessKeyId, undefined);
    if (!parent || parent.principal.name !== credential.principal.name) {
      throw new AuthError(
        "InvalidToken",
        "The provided token has been revoked: its user or key is no longer active.",
      );
    }
    // A session acts as its parent: the parent's POSIX owner, in the parent's account.
    const { posix, account } = parent.principal;
    if (!posix && !account) return credential;
    const principal = { ...credential.principal, ...(posix ? { posix } : {}) };
    if (account) {
      principal.account = account;
      principal.session = { ...session, arn: assumedRoleArn(session.roleArn, session.sessionName, account) };
    }
    return { ...credential, principal };
  };
}
