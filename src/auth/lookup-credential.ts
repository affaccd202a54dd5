import { timingSafeEqual } from "../lib/timing-safe-equal.ts";
import { AuthError } from "./errors.ts";
import type { Credential, CredentialLookup } from "./types.ts";

/**
 * The credential of an access key id, for SigV4, SigV2 and POST forms alike: an unknown key is
 * InvalidAccessKeyId; a session token must match the credential's exactly (none for none).
 */
export async function lookupCredential(
  lookup: CredentialLookup,
  accessKeyId: string,
  token: string | null | undefined,
): Promise<Credential> {
  const credential = await lookup(accessKeyId, token ?? undefined);
  if (!credential) throw new AuthError("InvalidAccessKeyId", undefined, { AWSAccessKeyId: accessKeyId });
  if ((credential.sessionToken ?? "") !== "" || (token ?? "") !== "") {
    if (!timingSafeEqual(credential.sessionToken ?? "", token ?? "")) {
      throw new AuthError("InvalidToken", "The provided token is malformed or otherwise invalid.");
    }
  }
  return credential;
}
