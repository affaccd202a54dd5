import type { IamPaths } from "./iam-paths.ts";
import { keyOwner } from "./key-admin.ts";
import { decryptSecret, type SecretsKey } from "./secrets-key.ts";
import { readUser } from "./user-files.ts";

/** An active access key with its decrypted secret and owner. */
export interface ActiveKey {
  user: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The secret of an active key (for presigning from the CLI); throws when unknown or disabled. */
export async function activeKey(
  paths: IamPaths,
  secretsKey: SecretsKey,
  accessKeyId: string,
): Promise<ActiveKey> {
  const owner = await keyOwner(paths, accessKeyId);
  const key = owner
    ? (await readUser(paths, owner))?.accessKeys.find((k) => k.accessKeyId === accessKeyId)
    : undefined;
  if (!owner || !key) throw new Error(`no such access key: ${accessKeyId}`);
  if (key.status !== "Active") throw new Error(`access key ${accessKeyId} is disabled`);
  return {
    user: owner,
    accessKeyId,
    secretAccessKey: decryptSecret(secretsKey, key.encryptedSecret, accessKeyId),
  };
}

/** The first active key of a user: a session minted for the user is tied to it. */
export async function firstActiveKeyId(paths: IamPaths, userName: string): Promise<string> {
  const user = await readUser(paths, userName);
  if (!user) throw new Error(`no such user: ${userName}`);
  const key = user.accessKeys.find((k) => k.status === "Active");
  if (!key) throw new Error(`user ${userName} has no active access key; a session is tied to one`);
  return key.accessKeyId;
}
