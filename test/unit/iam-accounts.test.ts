/** Accounts in the IAM store: records, ids, root credentials, per-account users and keys, removal. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  accountIdOf,
  createAccount,
  listAccounts,
  readAccountById,
  removeAccount,
} from "../../src/iam/account-admin.ts";
import { iamPaths, parseKeyOwner } from "../../src/iam/iam-paths.ts";
import { createIamStore } from "../../src/iam/iam-store.ts";
import { createKey, keyOwner } from "../../src/iam/key-admin.ts";
import { loadSecretsKey } from "../../src/iam/secrets-key.ts";
import { addUser, removeUser } from "../../src/iam/user-admin.ts";

const rootCredential = {
  accessKeyId: "ROOTKEY0000000000001",
  secretAccessKey: "root-secret",
  principal: { kind: "root" as const, name: "root", accessKeyId: "ROOTKEY0000000000001" },
};

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "s3dir-accounts-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("accounts", () => {
  test("create: ids, sealed root secret, lookups by name and id; names are unique", async () => {
    const secrets = await loadSecretsKey(root, {});
    const acme = await createAccount(root, secrets, "acme");
    expect(acme.displayName).toBe("acme");
    expect(acme.accountId).toMatch(/^\d{12}$/);
    expect(acme.canonicalId).toMatch(/^[0-9a-f]{64}$/);
    const file = join(root, ".s3dir", "iam", "accounts", "acme.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).not.toContain(acme.secretAccessKey);
    expect(await accountIdOf(root, "acme")).toBe(acme.accountId);
    expect(await accountIdOf(root, "root")).toBe("000000000000");
    expect((await readAccountById(root, acme.accountId))?.name).toBe("acme");
    await expect(createAccount(root, secrets, "acme")).rejects.toThrow("already exists");
    await expect(createAccount(root, secrets, "root")).rejects.toThrow("already exists");
    await expect(createAccount(root, secrets, "9lives")).rejects.toThrow("invalid account name");
    expect((await listAccounts(root)).map((a) => a.displayName)).toEqual(["root", "acme"]);
  });

  test("the store resolves an account's root key and its users' keys into that account", async () => {
    const secrets = await loadSecretsKey(root, {});
    const acme = await createAccount(root, secrets, "acme");
    const paths = iamPaths(root, acme.accountId);
    await addUser(paths, "alice", "s3");
    await addUser(iamPaths(root), "alice", "s3");
    const key = await createKey(paths, secrets, "alice");
    expect(parseKeyOwner(readFileSync(paths.key(key.accessKeyId), "utf8"))).toEqual({
      account: acme.accountId,
      user: "alice",
    });
    // The first account's admin functions do not see another account's key.
    expect(await keyOwner(iamPaths(root), key.accessKeyId)).toBeUndefined();
    const store = createIamStore({ root, secretsKey: secrets, rootCredential });
    const accountRoot = await store.lookupCredential(acme.accessKeyId, undefined);
    expect(accountRoot?.secretAccessKey).toBe(acme.secretAccessKey);
    expect(accountRoot?.principal).toMatchObject({ kind: "root", account: acme.accountId });
    const user = await store.lookupCredential(key.accessKeyId, undefined);
    expect(user?.principal).toMatchObject({ kind: "user", name: "alice", account: acme.accountId });
    expect(await store.account(acme.accountId)).toEqual({
      accountId: acme.accountId,
      canonicalId: acme.canonicalId,
      displayName: "acme",
    });
  });

  test("remove: refused while it owns buckets or has users; then its root key is gone", async () => {
    const secrets = await loadSecretsKey(root, {});
    const acme = await createAccount(root, secrets, "acme");
    await addUser(iamPaths(root, acme.accountId), "bob", "s3");
    await expect(removeAccount(root, "acme", async () => ["photos"])).rejects.toThrow(
      "account acme still owns buckets: photos",
    );
    await expect(removeAccount(root, "acme", async () => [])).rejects.toThrow(
      "account acme still has users: bob",
    );
    await removeUser(iamPaths(root, acme.accountId), "bob");
    await removeAccount(root, "acme", async () => []);
    expect((await listAccounts(root)).map((a) => a.displayName)).toEqual(["root"]);
    const store = createIamStore({ root, secretsKey: secrets, rootCredential });
    expect(await store.lookupCredential(acme.accessKeyId, undefined)).toBeUndefined();
    await expect(removeAccount(root, "root", async () => [])).rejects.toThrow("first account");
  });
});
