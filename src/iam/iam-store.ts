import { stat } from "node:fs/promises";
import type { Credential, CredentialLookup } from "../auth/types.ts";
import { iamPaths } from "./iam-paths.ts";
import type { UserRecord } from "./iam-records.ts";
import { keyOwner } from "./key-admin.ts";
import { decryptSecret, type SecretsKey } from "./secrets-key.ts";
import { readUser, rootUserName, rootUserRecord } from "./user-files.ts";

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
  owner: string | undefined;
  checkedAt: number;
}

export interface IamStore {
  lookupCredential: CredentialLookup;
  getUser(name: string): Promise<UserRecord | undefined>;
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
  const paths = iamPaths(options.root);
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

  async function load(name: string, previous: UserEntry | undefined): Promise<UserEntry> {
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
          ...(user?.posix ? { posix: { ...user.posix } } : {}),
        },
      });
    }
    const entry = { user, stamp, checkedAt: now(), credentials };
    users.set(name, entry);
    return entry;
  }

  async function userEntry(name: string): Promise<UserEntry> {
    const cached = users.get(name);
    if (cached && now() - cached.checkedAt < revalidateMs) return cached;
    let inFlight = pending.get(name);
    if (!inFlight) {
      inFlight = load(name, cached).finally(() => pending.delete(name));
      pending.set(name, inFlight);
    }
    return await inFlight;
  }

  async function ownerOf(accessKeyId: string): Promise<string | undefined> {
    const cached = keys.get(accessKeyId);
    if (cached && (cached.owner !== undefined || now() - cached.checkedAt < revalidateMs))
      return cached.owner;
    const owner = await keyOwner(paths, accessKeyId);
    if (keys.size > 100_000) keys.clear();
    keys.set(accessKeyId, { owner, checkedAt: now() });
    return owner;
  }

  return {
    lookupCredential: async (accessKeyId) => {
      if (accessKeyId === options.rootCredential.accessKeyId) return options.rootCredential;
      const owner = await ownerOf(accessKeyId);
      if (owner === undefined) return undefined;
      return (await userEntry(owner)).credentials.get(accessKeyId);
    },
    getUser: async (name) => (name === rootUserName ? rootUserRecord() : (await userEntry(name)).user),
  };
}
