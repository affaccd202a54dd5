import type { Credential, CredentialLookup } from "../auth/types.ts";

/** Looks up access keys; for now the root credential is the only identity. */
export function createCredentialLookup(root: Credential): CredentialLookup {
  return async (accessKeyId) => (accessKeyId === root.accessKeyId ? root : undefined);
}
