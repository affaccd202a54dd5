import { createHash } from "node:crypto";
import { isBuiltinPolicy } from "./builtin-policies.ts";
import type { IamAccessKey, IamAdmin, IamManagedPolicy, IamRole, IamUser } from "./iam-admin.ts";
import { IamError } from "./iam-error.ts";
import type { IamPaths } from "./iam-paths.ts";
import type { UserRecord } from "./iam-records.ts";
import { policyRecordSchema } from "./iam-records.ts";
import { createKey, keyOwner, listKeys, removeKey, setKeyStatus } from "./key-admin.ts";
import {
  addPolicy,
  attachPolicy,
  detachPolicy,
  getInlinePolicy,
  getPolicy,
  listInlinePolicies,
  listPolicies,
  policyHolders,
  putInlinePolicy,
  removeInlinePolicy,
  removePolicy,
} from "./policy-admin.ts";
import type { SecretsKey } from "./secrets-key.ts";
import { createServiceAccount } from "./service-account-admin.ts";
import { addUser, checkUserName, removeUser, showUser } from "./user-admin.ts";
import { listUserRecords, rootUserName } from "./user-files.ts";
import { readEntity, VersionConflictError } from "./versioned-file.ts";

export interface IamAdminServiceOptions {
  paths: IamPaths;
  secretsKey: SecretsKey;
  /** The role of a user as the server sees it (cached), for authorizing IAM requests. */
  roleOf: (userName: string, account: string) => Promise<IamRole | undefined>;
}

const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A stable AWS-style id (prefix + 17 base32 characters) derived from what identifies the entity. */
export function stableId(prefix: string, seed: string): string {
  const digest = createHash("sha256").update(seed).digest();
  let out = prefix;
  for (let i = 0; i < 17; i++) out += base32[digest[i]! % 32];
  return out;
}

function userOf(record: UserRecord): IamUser {
  return {
    name: record.name,
    id: stableId("AIDA", `user:${record.name}:${record.created}`),
    created: record.created,
    ...(record.posix ? { posix: { ...record.posix } } : {}),
  };
}

const builtinCreated = new Date(0).toISOString();

/** Runs an admin function, turning a lost race (VersionConflictError) into ConcurrentModification. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof VersionConflictError) throw new IamError("ConcurrentModification", e.message);
    throw e;
  }
}

/** The IAM API's view of the IAM store, over the same admin functions as the `s3dir` CLI. */
export function createIamAdminService(options: IamAdminServiceOptions): IamAdmin {
  const { paths, secretsKey } = options;

  async function requireOwnKey(userName: string, accessKeyId: string): Promise<void> {
    checkUserName(userName);
    if (userName === rootUserName) {
      throw new IamError(
        "UnmodifiableEntity",
        "the root user's key comes from root-credential; not managed here",
      );
    }
    await showUser(paths, userName);
    if ((await keyOwner(paths, accessKeyId)) !== userName)
      throw new IamError("NoSuchEntity", `no such access key: ${accessKeyId}`);
  }

  async function attachmentCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const user of await policyHolders(paths)) {
      for (const p of user.policies) counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    return counts;
  }

  async function managedPolicy(name: string, counts: Map<string, number>): Promise<IamManagedPolicy> {
    const listing = await getPolicy(paths, name);
    const created = isBuiltinPolicy(name)
      ? builtinCreated
      : ((await readEntity(paths.policy(name), policyRecordSchema))?.created ?? builtinCreated);
    return {
      name,
      id: stableId("ANPA", `policy:${name}:${created}`),
      builtin: listing.builtin,
      document: listing.document,
      created,
      updated: created,
      attachmentCount: counts.get(name) ?? 0,
    };
  }

  return {
    account: paths.account,
    paths,
    roleOf: (userName) => options.roleOf(userName, paths.account),
    createUser: (name) => guarded(async () => userOf(await addUser(paths, name, "s3"))),
    getUser: (name) => guarded(async () => userOf(await showUser(paths, name))),
    listUsers: () => guarded(async () => (await listUserRecords(paths)).map(userOf)),
    deleteUser: (name) => guarded(() => removeUser(paths, name, { onlyIfUnused: true })),
    createAccessKey: (userName) =>
      guarded(async () => {
        checkUserName(userName);
        const key = await createKey(paths, secretsKey, userName);
        const stored = (await listKeys(paths, userName)).find((k) => k.accessKeyId === key.accessKeyId);
        return {
          userName,
          accessKeyId: key.accessKeyId,
          secretAccessKey: key.secretAccessKey,
          status: "Active",
          created: stored?.created ?? new Date().toISOString(),
        };
      }),
    listAccessKeys: (userName) =>
      guarded(async (): Promise<IamAccessKey[]> => {
        checkUserName(userName);
        if (userName === rootUserName) return [];
        return (await listKeys(paths, userName)).map((k) => ({
          userName: k.user,
          accessKeyId: k.accessKeyId,
          status: k.status,
          created: k.created,
        }));
      }),
    updateAccessKey: (userName, accessKeyId, status) =>
      guarded(async () => {
        await requireOwnKey(userName, accessKeyId);
        await setKeyStatus(paths, accessKeyId, status);
      }),
    deleteAccessKey: (userName, accessKeyId) =>
      guarded(async () => {
        await requireOwnKey(userName, accessKeyId);
        await removeKey(paths, accessKeyId);
      }),
    putUserPolicy: (userName, policyName, document) =>
      guarded(() => putInlinePolicy(paths, userName, policyName, document)),
    getUserPolicy: (userName, policyName) => guarded(() => getInlinePolicy(paths, userName, policyName)),
    listUserPolicies: (userName) => guarded(() => listInlinePolicies(paths, userName)),
    deleteUserPolicy: (userName, policyName) =>
      guarded(() => removeInlinePolicy(paths, userName, policyName)),
    createPolicy: (name, document) =>
      guarded(async () => {
        await addPolicy(paths, name, document, { createOnly: true });
        return await managedPolicy(name, new Map());
      }),
    getPolicy: (name) => guarded(async () => managedPolicy(name, await attachmentCounts())),
    listPolicies: () =>
      guarded(async () => {
        const counts = await attachmentCounts();
        const names = (await listPolicies(paths)).map((p) => p.name).sort();
        return await Promise.all(names.map((n) => managedPolicy(n, counts)));
      }),
    deletePolicy: (name) => guarded(() => removePolicy(paths, name)),
    attachUserPolicy: (userName, policyName) =>
      guarded(async () => {
        try {
          await attachPolicy(paths, policyName, userName);
        } catch (e) {
          if (e instanceof IamError && e.kind === "EntityAlreadyExists") return;
          throw e;
        }
      }),
    detachUserPolicy: (userName, policyName) => guarded(() => detachPolicy(paths, policyName, userName)),
    createServiceAccount: (userName, input) =>
      guarded(() => createServiceAccount(paths, secretsKey, userName, input)),
    listAttachedUserPolicies: (userName) =>
      guarded(async () => {
        checkUserName(userName);
        return [...(await showUser(paths, userName)).policies].sort();
      }),
  };
}
