import { stat } from "node:fs/promises";
import { firstAccountId } from "../auth/account.ts";
import { AuthError } from "../auth/errors.ts";
import { parsePolicy } from "../auth/policy/index.ts";
import type { Credential, CredentialLookup } from "../auth/types.ts";
import { readAccountById } from "./account-admin.ts";
import { type AccountOwner, firstAccountOwner, ownerOfRecord } from "./account-records.ts";
import { type IamPaths, iamPaths } from "./iam-paths.ts";
import type { ServiceAccountInfo, UserRecord } from "./iam-records.ts";
import { keyIndexEntry } from "./key-admin.ts";
import { decryptSecret, type SecretsKey } from "./secrets-key.ts";
import { readUser, rootUserName, rootUserRecord } from "./user-files.ts";

/** MinIO's answer to a disabled user's keys (its ErrAccessKeyDisabled): InvalidAccessKeyId, 403. */
const disabledMessage = "Your account is disabled; please contact your administrator.";

/** How long a cached entry is trusted before its file is stat'ed again. */
const revalidateMs = 1000;

interface UserEntry {
  user: UserRecord | undefined;
  /** ino:mtimeNs:size of the file when read ("" when missing). */
  stamp: string;
  checkedAt: number;
  /** Decrypted credentials of the user's active keys. */
  credentials: Map<string, Credential>;
}

interface KeyEntry {
  owner: { account: string; user: string } | undefined;
  checkedAt: number;
}

interface AccountEntry {
  owner: AccountOwner | undefined;
  /** The account's root credential. */
  credential: Credential | undefined;
  checkedAt: number;
}

function serviceAccountOf(info: ServiceAccountInfo): NonNullable<Credential["principal"]["serviceAccount"]> {
  return {
    ...(info.name ? { name: info.name } : {}),
    ...(info.policy ? { policy: parsePolicy(info.policy, "identity") } : {}),
  };
}

export interface IamStore {
  lookupCredential: CredentialLookup;
  /** A user of an account (absent: the first account); "root" is the account's root user. */
  getUser(name: string, account?: string): Promise<UserRecord | undefined>;
  /** An account by id, as S3 shows it as an owner; undefined when there is no such account. */
  account(accountId: string): Promise<AccountOwner | undefined>;
}

export interface IamStoreOptions {
  root: string;
  secretsKey: SecretsKey;
  /** The root credential (env or root-credential.json): the user "root", principal kind "root". */
  rootCredential: Credential;
  now?: () => number;
}

/**
 * A cached reader of users and keys for the server. A lookup is a Map hit; each user file and key
 * index entry is stat'ed/re-read at most once a second, so a change made by the CLI or another host
 * is seen within about a second (plus the filesystem's own attribute cache).
 */
export function createIamStore(options: IamStoreOptions): IamStore {
  const pathsByAccount = new Map<string, IamPaths>();
  const pathsOf = (account: string) => {
    const known = pathsByAccount.get(account);
    if (known) return known;
    const paths = iamPaths(options.root, account);
    pathsByAccount.set(account, paths);
    return paths;
  };
  const paths = pathsOf(firstAccountId);
  const accounts = new Map<string, AccountEntry>();
  const now = options.now ?? Date.now;
  const users = new Map<string, UserEntry>();
  const keys = new Map<string, KeyEntry>();
  const pending = new Map<string, Promise<UserEntry>>();

  async function stampOf(file: string): Promise<string> {
    try {
      const s = await stat(file, { bigint: true });
      return `${s.ino}:${s.mtimeNs}:${s.size}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw e;
    }
  }

  async function load(account: string, name: string, previous: UserEntry | undefined): Promise<UserEntry> {
    const paths = pathsOf(account);
    const stamp = await stampOf(paths.user(name));
    if (previous && previous.stamp === stamp) {
      previous.checkedAt = now();
      return previous;
    }
    const user = stamp ? await readUser(paths, name) : undefined;
    const credentials = new Map<string, Credential>();
    for (const key of user?.accessKeys ?? []) {
      if (key.status !== "Active") continue;
      credentials.set(key.accessKeyId, {
        accessKeyId: key.accessKeyId,
        secretAccessKey: decryptSecret(options.secretsKey, key.encryptedSecret, key.accessKeyId),
        principal: {
          kind: "user",
          name,
          accessKeyId: key.accessKeyId,
          ...(account === firstAccountId ? {} : { account }),
          ...(user?.posix ? { posix: { ...user.posix } } : {}),
          ...(key.service ? { serviceAccount: serviceAccountOf(key.service) } : {}),
        },
      });
    }
    const entry = { user, stamp, checkedAt: now(), credentials };
    users.set(`${account}/${name}`, entry);
    return entry;
  }

  async function userEntry(account: string, name: string): Promise<UserEntry> {
    const id = `${account}/${name}`;
    const cached = users.get(id);
    if (cached && now() - cached.checkedAt < revalidateMs) return cached;
    let inFlight = pending.get(id);
    if (!inFlight) {
      inFlight = load(account, name, cached).finally(() => pending.delete(id));
      pending.set(id, inFlight);
    }
    return await inFlight;
  }

  /** A stored account, re-read at most once a second: a removed account's root stops within that. */
  async function accountEntry(account: string): Promise<AccountEntry> {
    const cached = accounts.get(account);
    if (cached && now() - cached.checkedAt < revalidateMs) return cached;
    const record = await readAccountById(options.root, account);
    const entry: AccountEntry = {
      owner: record && ownerOfRecord(record),
      credential: record && {
        accessKeyId: record.rootAccessKeyId,
        secretAccessKey: decryptSecret(options.secretsKey, record.encryptedSecret, record.rootAccessKeyId),
        principal: { kind: "root", name: rootUserName, accessKeyId: record.rootAccessKeyId, account },
      },
      checkedAt: now(),
    };
    if (accounts.size > 10_000) accounts.clear();
    accounts.set(account, entry);
    return entry;
  }

  async function ownerOf(accessKeyId: string): Promise<KeyEntry["owner"]> {
    const cached = keys.get(accessKeyId);
    if (cached && (cached.owner !== undefined || now() - cached.checkedAt < revalidateMs))
      return cached.owner;
    const owner = await keyIndexEntry(paths, accessKeyId);
    if (keys.size > 100_000) keys.clear();
    keys.set(accessKeyId, { owner, checkedAt: now() });
    return owner;
  }

  return {
    lookupCredential: async (accessKeyId) => {
      if (accessKeyId === options.rootCredential.accessKeyId) return options.rootCredential;
      const owner = await ownerOf(accessKeyId);
      if (owner === undefined) return undefined;
      if (owner.user === rootUserName) {
        const { credential } = await accountEntry(owner.account);
        return credential?.accessKeyId === accessKeyId ? credential : undefined;
      }
      const entry = await userEntry(owner.account, owner.user);
      const credential = entry.credentials.get(accessKeyId);
      if (credential && entry.user?.disabled)
        throw new AuthError("InvalidAccessKeyId", disabledMessage, { AWSAccessKeyId: accessKeyId });
      return credential;
    },
    getUser: async (name, account = firstAccountId) =>
      name === rootUserName ? rootUserRecord() : (await userEntry(account, name)).user,
    account: async (account) =>
      account === firstAccountId ? firstAccountOwner() : (await accountEntry(account)).owner,
  };
}
