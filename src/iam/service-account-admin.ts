import { IamError } from "./iam-error.ts";
import type { IamPaths } from "./iam-paths.ts";
import type { AccessKey } from "./iam-records.ts";
import { createKey, keyOwner, removeKey } from "./key-admin.ts";
import { checkDocument } from "./policy-holder.ts";
import type { SecretsKey } from "./secrets-key.ts";
import { checkUserName } from "./user-admin.ts";
import { listUserRecords, requireUser, rootUserName } from "./user-files.ts";

/**
 * Service accounts, as MinIO and Weka have them: child access keys of a user that act as that
 * user (its policies, its groups, its POSIX owner), optionally narrowed by a policy of their own.
 * They are stored as the user's keys, so removing the user removes them, and a change of the
 * user's rights applies to them at once.
 */
export interface ServiceAccount {
  user: string;
  accessKeyId: string;
  name?: string;
  /** The narrowing policy (JSON text), if any. */
  policy?: string;
  status: AccessKey["status"];
  created: string;
}

export interface NewServiceAccount {
  name?: string;
  policy?: string;
}

function checkName(name: string | undefined): void {
  if (name !== undefined && !/^[\w+=,.@-]{1,64}$/.test(name))
    throw new IamError(
      "ValidationError",
      `invalid service account name '${name}': 1-64 letters, digits and +=,.@_-`,
    );
}

export async function createServiceAccount(
  paths: IamPaths,
  secretsKey: SecretsKey,
  userName: string,
  input: NewServiceAccount = {},
): Promise<ServiceAccount & { secretAccessKey: string }> {
  checkUserName(userName);
  checkName(input.name);
  if (userName === rootUserName)
    throw new IamError("UnmodifiableEntity", "the root user has no service accounts; make a user for them");
  const policy = input.policy === undefined ? undefined : checkDocument(input.policy);
  const service = { ...(input.name ? { name: input.name } : {}), ...(policy ? { policy } : {}) };
  const key = await createKey(paths, secretsKey, userName, service);
  return { ...(await showServiceAccount(paths, key.accessKeyId)), secretAccessKey: key.secretAccessKey };
}

/** The service accounts of one user, or of every user, sorted by user then key. */
export async function listServiceAccounts(paths: IamPaths, userName?: string): Promise<ServiceAccount[]> {
  if (userName !== undefined) checkUserName(userName);
  const users = userName ? [await requireUser(paths, userName)] : await listUserRecords(paths);
  return users.flatMap((u) =>
    u.accessKeys
      .filter((k) => k.service)
      .map((k) => ({
        user: u.name,
        accessKeyId: k.accessKeyId,
        ...(k.service?.name ? { name: k.service.name } : {}),
        ...(k.service?.policy ? { policy: k.service.policy } : {}),
        status: k.status,
        created: k.created,
      })),
  );
}

export async function showServiceAccount(paths: IamPaths, accessKeyId: string): Promise<ServiceAccount> {
  const owner = await keyOwner(paths, accessKeyId);
  const found = owner
    ? (await listServiceAccounts(paths, owner)).find((s) => s.accessKeyId === accessKeyId)
    : undefined;
  if (!found)
    throw new IamError("NoSuchEntity", `The service account with key ${accessKeyId} cannot be found.`);
  return found;
}

export async function removeServiceAccount(paths: IamPaths, accessKeyId: string): Promise<void> {
  await showServiceAccount(paths, accessKeyId);
  await removeKey(paths, accessKeyId);
}
