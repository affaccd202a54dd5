import { randomBytes, randomInt } from "node:crypto";
import { mkdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { firstAccountId } from "../auth/account.ts";
import { newAccessKeyId, newSecretAccessKey } from "./access-key-id.ts";
import {
  type AccountOwner,
  type AccountRecord,
  accountNameSchema,
  accountRecordSchema,
  firstAccountName,
  firstAccountOwner,
  ownerOfRecord,
} from "./account-records.ts";
import { IamError } from "./iam-error.ts";
import { iamPaths } from "./iam-paths.ts";
import { encryptSecret, type SecretsKey } from "./secrets-key.ts";
import { listJsonNames, listUserRecords, rootUserName } from "./user-files.ts";
import { createEntity, readEntity, removeEntity } from "./versioned-file.ts";

/**
 * Accounts (tenants) in `<root>/.s3dir/iam/`: `accounts/<name>.json` (the record, with the root
 * credential's sealed secret), `account-ids/<id>` (the name: the id claimed once, O_EXCL) and the
 * root key in the shared key index as `<id>/root`. The first account ("root") is not stored: its
 * root credential is root-credential.json and its users are those the install always had.
 */
export function accountDirs(root: string) {
  const iam = join(root, ".s3dir", "iam");
  return {
    records: join(iam, "accounts"),
    ids: join(iam, "account-ids"),
    data: join(iam, "account-data"),
    record: (name: string) => join(iam, "accounts", `${name}.json`),
    id: (id: string) => join(iam, "account-ids", id),
  };
}

export function checkAccountName(name: string): string {
  const result = v.safeParse(accountNameSchema, name);
  if (!result.success)
    throw new IamError("ValidationError", `invalid account name '${name}': ${result.issues[0].message}`);
  return result.output;
}

export interface CreatedAccount extends AccountOwner {
  accessKeyId: string;
  secretAccessKey: string;
}

async function claim(file: string, text: string): Promise<boolean> {
  try {
    await writeFile(file, text, { mode: 0o600, flag: "wx" });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

/** Makes an account and its root credential (the secret is returned once, stored only sealed). */
export async function createAccount(
  root: string,
  secretsKey: SecretsKey,
  name: string,
): Promise<CreatedAccount> {
  checkAccountName(name);
  if (name === firstAccountName || (await readAccount(root, name)))
    throw new IamError("EntityAlreadyExists", `account ${name} already exists`);
  const dirs = accountDirs(root);
  const keys = iamPaths(root).keys;
  for (const dir of [dirs.records, dirs.ids, keys]) await mkdir(dir, { recursive: true, mode: 0o700 });
  let id = "";
  do id = String(randomInt(100_000_000_000, 1_000_000_000_000));
  while (!(await claim(dirs.id(id), name)));
  let accessKeyId = newAccessKeyId();
  while (!(await claim(join(keys, accessKeyId), `${id}/${rootUserName}`))) accessKeyId = newAccessKeyId();
  const secretAccessKey = newSecretAccessKey();
  const record: AccountRecord = {
    name,
    id,
    canonicalId: randomBytes(32).toString("hex"),
    rootAccessKeyId: accessKeyId,
    encryptedSecret: encryptSecret(secretsKey, secretAccessKey, accessKeyId),
    created: new Date().toISOString(),
    version: 1,
  };
  try {
    await createEntity(dirs.record(name), record);
  } catch (e) {
    await unlink(dirs.id(id)).catch(() => {});
    await unlink(join(keys, accessKeyId)).catch(() => {});
    if (await readAccount(root, name))
      throw new IamError("EntityAlreadyExists", `account ${name} already exists`);
    throw e;
  }
  return { ...ownerOfRecord(record), accessKeyId, secretAccessKey };
}

export async function readAccount(root: string, name: string): Promise<AccountRecord | undefined> {
  return await readEntity(accountDirs(root).record(name), accountRecordSchema);
}

/** The stored account with this id (not the first account, which is not stored). */
export async function readAccountById(root: string, id: string): Promise<AccountRecord | undefined> {
  if (!/^\d{12}$/.test(id) || id === firstAccountId) return undefined;
  let name: string;
  try {
    name = (await readFile(accountDirs(root).id(id), "utf8")).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const record = await readAccount(root, name);
  return record?.id === id ? record : undefined;
}

/** The id of an account by name (the first account's too); NoSuchEntity when there is none. */
export async function accountIdOf(root: string, name: string): Promise<string> {
  checkAccountName(name);
  if (name === firstAccountName) return firstAccountId;
  const record = await readAccount(root, name);
  if (!record) throw new IamError("NoSuchEntity", `no such account: ${name}`);
  return record.id;
}

/** The first account, then every stored one by name. */
export async function listAccounts(root: string): Promise<(AccountOwner & { created: string })[]> {
  const names = await listJsonNames(accountDirs(root).records);
  const records = await Promise.all(names.map((n) => readAccount(root, n)));
  return [
    { ...firstAccountOwner(), created: new Date(0).toISOString() },
    ...records
      .filter((r): r is AccountRecord => r !== undefined)
      .map((r) => ({ ...ownerOfRecord(r), created: r.created })),
  ];
}

/**
 * Removes an account: refused while it owns buckets (bucketsOf lists them) or has users. Its
 * root key stops working at once (the record goes first), then its index entries go.
 */
export async function removeAccount(
  root: string,
  name: string,
  bucketsOf: (accountId: string) => Promise<string[]>,
): Promise<void> {
  checkAccountName(name);
  if (name === firstAccountName)
    throw new IamError("UnmodifiableEntity", "the first account holds the install's root credential");
  const record = await readAccount(root, name);
  if (!record) throw new IamError("NoSuchEntity", `no such account: ${name}`);
  const buckets = await bucketsOf(record.id);
  if (buckets.length > 0)
    throw new IamError(
      "DeleteConflict",
      `account ${name} still owns buckets: ${buckets.join(", ")}; remove them (or their contents' owner) first`,
    );
  const users = await listUserRecords(iamPaths(root, record.id));
  if (users.length > 0)
    throw new IamError(
      "DeleteConflict",
      `account ${name} still has users: ${users.map((u) => u.name).join(", ")}; remove them first`,
    );
  const dirs = accountDirs(root);
  await removeEntity(dirs.record(name), accountRecordSchema, record.version);
  await unlink(join(iamPaths(root).keys, record.rootAccessKeyId)).catch(() => {});
  await unlink(dirs.id(record.id)).catch(() => {});
  await rm(join(dirs.data, record.id), { recursive: true, force: true });
}
