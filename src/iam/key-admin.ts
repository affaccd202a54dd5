import { mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { newAccessKeyId, newSecretAccessKey } from "./access-key-id.ts";
import { IamError } from "./iam-error.ts";
import { type IamPaths, parseKeyOwner } from "./iam-paths.ts";
import type { AccessKey, ServiceAccountInfo } from "./iam-records.ts";
import { encryptSecret, type SecretsKey } from "./secrets-key.ts";
import { listUserRecords, requireUser, rootUserName, updateUser } from "./user-files.ts";

export interface KeyListing {
  user: string;
  accessKeyId: string;
  status: AccessKey["status"];
  created: string;
}

/**
 * Creates an access key for a user. The id is claimed first in `iam/keys/<id>` with O_EXCL (one
 * winner across hosts), then added to the user file; the secret is stored only encrypted.
 */
export async function createKey(
  paths: IamPaths,
  secretsKey: SecretsKey,
  userName: string,
  /** Makes the key a service account of the user (service-account-admin.ts). */
  service?: ServiceAccountInfo,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  if (userName === rootUserName)
    throw new IamError(
      "UnmodifiableEntity",
      "the root user's key comes from root-credential; not managed here",
    );
  await requireUser(paths, userName);
  await mkdir(paths.keys, { recursive: true, mode: 0o700 });
  let accessKeyId = newAccessKeyId();
  for (;;) {
    try {
      await writeFile(paths.key(accessKeyId), paths.keyOwnerText(userName), { mode: 0o600, flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      accessKeyId = newAccessKeyId();
    }
  }
  const secretAccessKey = newSecretAccessKey();
  const key: AccessKey = {
    accessKeyId,
    encryptedSecret: encryptSecret(secretsKey, secretAccessKey, accessKeyId),
    status: "Active",
    created: new Date().toISOString(),
    ...(service ? { service } : {}),
  };
  try {
    await updateUser(paths, userName, (u) => ({ ...u, accessKeys: [...u.accessKeys, key] }));
  } catch (e) {
    await unlink(paths.key(accessKeyId)).catch(() => {});
    throw e;
  }
  return { accessKeyId, secretAccessKey };
}

/** The user of this account owning an access key, by the key index. */
export async function keyOwner(paths: IamPaths, accessKeyId: string): Promise<string | undefined> {
  const entry = await keyIndexEntry(paths, accessKeyId);
  return entry?.account === paths.account ? entry.user : undefined;
}

/** The account and user owning an access key, whatever the account, by the key index. */
export async function keyIndexEntry(
  paths: IamPaths,
  accessKeyId: string,
): Promise<{ account: string; user: string } | undefined> {
  if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) return undefined;
  try {
    return parseKeyOwner((await readFile(paths.key(accessKeyId), "utf8")).trim());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

async function requireOwner(paths: IamPaths, accessKeyId: string): Promise<string> {
  const owner = await keyOwner(paths, accessKeyId);
  if (!owner) throw new IamError("NoSuchEntity", `no such access key: ${accessKeyId}`);
  return owner;
}

export async function listKeys(paths: IamPaths, userName?: string): Promise<KeyListing[]> {
  const users = userName ? [await requireUser(paths, userName)] : await listUserRecords(paths);
  // Service accounts are listed by service-account-admin.ts, not as the user's own keys.
  return users.flatMap((u) =>
    u.accessKeys
      .filter((k) => !k.service)
      .map((k) => ({
        user: u.name,
        accessKeyId: k.accessKeyId,
        status: k.status,
        created: k.created,
      })),
  );
}

export async function setKeyStatus(
  paths: IamPaths,
  accessKeyId: string,
  status: AccessKey["status"],
): Promise<void> {
  const owner = await requireOwner(paths, accessKeyId);
  await updateUser(paths, owner, (u) => {
    const key = u.accessKeys.find((k) => k.accessKeyId === accessKeyId);
    if (!key) throw new IamError("NoSuchEntity", `no such access key: ${accessKeyId}`);
    key.status = status;
    return u;
  });
}

export async function removeKey(paths: IamPaths, accessKeyId: string): Promise<void> {
  const owner = await requireOwner(paths, accessKeyId);
  await updateUser(paths, owner, (u) => {
    if (!u.accessKeys.some((k) => k.accessKeyId === accessKeyId))
      throw new IamError("NoSuchEntity", `no such access key: ${accessKeyId}`);
    return { ...u, accessKeys: u.accessKeys.filter((k) => k.accessKeyId !== accessKeyId) };
  });
  await unlink(paths.key(accessKeyId)).catch(() => {});
}
