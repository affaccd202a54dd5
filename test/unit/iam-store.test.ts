import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { iamPaths } from "../../src/iam/iam-paths.ts";
import { userRecordSchema } from "../../src/iam/iam-records.ts";
import { createIamStore } from "../../src/iam/iam-store.ts";
import { createKey, listKeys, removeKey, setKeyStatus } from "../../src/iam/key-admin.ts";
import { addPolicy, attachPolicy, detachPolicy, removePolicy } from "../../src/iam/policy-admin.ts";
import { decryptSecret, encryptSecret, loadSecretsKey } from "../../src/iam/secrets-key.ts";
import { addUser, listUsers, removeUser, showUser } from "../../src/iam/user-admin.ts";
import { readUser } from "../../src/iam/user-files.ts";
import { replaceEntity, VersionConflictError } from "../../src/iam/versioned-file.ts";

const repo = resolve(import.meta.dir, "../..");
const rootCredential = {
  accessKeyId: "ROOTKEY0000000000001",
  secretAccessKey: "root-secret",
  principal: { kind: "root" as const, name: "root", accessKeyId: "ROOTKEY0000000000001" },
};

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "s3dir-iam-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe("users", () => {
  test("create, update, remove", async () => {
    const paths = iamPaths(root);
    const user = await addUser(paths, "alice", "s3");
    expect(user.version).toBe(1);
    expect(statSync(paths.user("alice")).mode & 0o777).toBe(0o600);
    expect(statSync(paths.system).mode & 0o777).toBe(0o700);
    await expect(addUser(paths, "alice", "admin")).rejects.toThrow("already exists");
    await expect(addUser(paths, "root", "admin")).rejects.toThrow("reserved");
    await expect(addUser(paths, "a/b", "s3")).rejects.toThrow("invalid user name");
    await attachPolicy(paths, "readonly", "alice");
    expect((await showUser(paths, "alice")).policies).toEqual(["readonly"]);
    expect((await readUser(paths, "alice"))?.version).toBe(2);
    expect((await listUsers(paths)).map((u) => u.name)).toEqual(["root", "alice"]);
    await removeUser(paths, "alice");
    await expect(showUser(paths, "alice")).rejects.toThrow("no such user");
  });

  test("a change based on a stale version is refused, not merged", async () => {
    const paths = iamPaths(root);
    const v1 = await addUser(paths, "bob", "s3");
    await replaceEntity(paths.user("bob"), userRecordSchema, { ...v1, role: "admin", version: 2 });
    await expect(
      replaceEntity(paths.user("bob"), userRecordSchema, { ...v1, policies: ["readonly"], version: 2 }),
    ).rejects.toBeInstanceOf(VersionConflictError);
    const now = await readUser(paths, "bob");
    expect(now?.role).toBe("admin");
    expect(now?.policies).toEqual([]);
  });

  test("two processes updating different users both land", async () => {
    const script = (name: string) => `
      import { iamPaths } from "./src/iam/iam-paths.ts";
      import { addUser } from "./src/iam/user-admin.ts";
      import { createKey } from "./src/iam/key-admin.ts";
      import { loadSecretsKey } from "./src/iam/secrets-key.ts";
      const paths = iamPaths(${JSON.stringify(root)});
      const secretsKey = await loadSecretsKey(${JSON.stringify(root)}, {});
      await addUser(paths, ${JSON.stringify(name)}, "s3");
      for (let i = 0; i < 8; i++) await createKey(paths, secretsKey, ${JSON.stringify(name)});
    `;
    const procs = ["u1", "u2"].map((name) =>
      Bun.spawn([process.execPath, "-e", script(name)], { cwd: repo, stdout: "pipe", stderr: "pipe" }),
    );
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect(codes).toEqual([0, 0]);
    const paths = iamPaths(root);
    expect((await readUser(paths, "u1"))?.accessKeys).toHaveLength(8);
    expect((await readUser(paths, "u2"))?.accessKeys).toHaveLength(8);
    expect(readdirSync(paths.keys)).toHaveLength(16);
    // both processes raced for the secrets key; exactly one file, and it decrypts every secret
    const secretsKey = await loadSecretsKey(root, {});
    const store = createIamStore({ root, secretsKey, rootCredential });
    for (const k of await listKeys(paths))
      expect(await store.lookupCredential(k.accessKeyId, undefined)).toBeDefined();
  });
});

describe("keys and secrets", () => {
  test("ids are unique across users and claimed with O_EXCL", async () => {
    const paths = iamPaths(root);
    const secretsKey = await loadSecretsKey(root, {});
    await addUser(paths, "a", "s3");
    await addUser(paths, "b", "s3");
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await createKey(paths, secretsKey, i % 2 ? "a" : "b")).accessKeyId);
    expect(ids.size).toBe(20);
    const id = [...ids][0]!;
    expect(readFileSync(paths.key(id), "utf8")).toMatch(/^[ab]$/);
    // a claimed id cannot be claimed again
    expect(() => writeFileSync(paths.key(id), "x", { flag: "wx" })).toThrow();
  });

  test("secrets are not stored in clear; secrets key file is 0600", async () => {
    const paths = iamPaths(root);
    const secretsKey = await loadSecretsKey(root, {});
    expect(statSync(join(paths.system, "master.key")).mode & 0o777).toBe(0o600);
    await addUser(paths, "carol", "s3");
    const { accessKeyId, secretAccessKey } = await createKey(paths, secretsKey, "carol");
    for (const file of filesUnder(root)) expect(readFileSync(file, "utf8")).not.toContain(secretAccessKey);
    const sealed = (await readUser(paths, "carol"))!.accessKeys[0]!.encryptedSecret;
    expect(sealed.startsWith(`v1:${secretsKey.id}:`)).toBe(true);
    expect(decryptSecret(secretsKey, sealed, accessKeyId)).toBe(secretAccessKey);
    expect(() => decryptSecret(secretsKey, sealed, "OTHERKEY00000000")).toThrow();
    const envKey = Buffer.alloc(32, 7).toString("base64");
    const fromEnv = await loadSecretsKey(root, { S3DIR_MASTER_KEY: envKey });
    expect(fromEnv.id).not.toBe(secretsKey.id);
    expect(() => decryptSecret(fromEnv, encryptSecret(secretsKey, "s", "K"), "K")).toThrow("secrets key");
  });
});

describe("policies", () => {
  test("add, attach, refuse removal while attached, built-ins fixed", async () => {
    const paths = iamPaths(root);
    await addUser(paths, "dave", "s3");
    const doc =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
    await addPolicy(paths, "p1", doc);
    await expect(addPolicy(paths, "p2", "{nope")).rejects.toThrow("MalformedPolicy");
    await expect(
      addPolicy(
        paths,
        "p2",
        '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}',
      ),
    ).rejects.toThrow("Effect");
    await expect(attachPolicy(paths, "missing", "dave")).rejects.toThrow("no such policy");
    await attachPolicy(paths, "p1", "dave");
    await expect(removePolicy(paths, "p1")).rejects.toThrow("attached to: dave");
    await expect(removePolicy(paths, "readwrite")).rejects.toThrow("built-in");
    await detachPolicy(paths, "p1", "dave");
    await removePolicy(paths, "p1");
  });
});

describe("cached lookup", () => {
  test("root, user keys, disabled and removed keys, deleted users", async () => {
    const paths = iamPaths(root);
    const secretsKey = await loadSecretsKey(root, {});
    const store = createIamStore({ root, secretsKey, rootCredential });
    expect((await store.lookupCredential(rootCredential.accessKeyId, undefined))?.principal.kind).toBe(
      "root",
    );
    expect(await store.lookupCredential("UNKNOWNKEY0000000000", undefined)).toBeUndefined();
    await addUser(paths, "erin", "s3");
    const key = await createKey(paths, secretsKey, "erin");
    await Bun.sleep(1100); // the negative cache of an unknown id lasts a second at most
    const found = await store.lookupCredential(key.accessKeyId, undefined);
    expect(found?.secretAccessKey).toBe(key.secretAccessKey);
    expect(found?.principal).toEqual({ kind: "user", name: "erin", accessKeyId: key.accessKeyId });
    expect((await store.getUser("erin"))?.name).toBe("erin");

    await setKeyStatus(paths, key.accessKeyId, "Inactive");
    await waitFor(async () => (await store.lookupCredential(key.accessKeyId, undefined)) === undefined);
    await setKeyStatus(paths, key.accessKeyId, "Active");
    await waitFor(async () => (await store.lookupCredential(key.accessKeyId, undefined)) !== undefined);
    await removeKey(paths, key.accessKeyId);
    await waitFor(async () => (await store.lookupCredential(key.accessKeyId, undefined)) === undefined);
    const key2 = await createKey(paths, secretsKey, "erin");
    await waitFor(async () => (await store.lookupCredential(key2.accessKeyId, undefined)) !== undefined);
    await removeUser(paths, "erin");
    await waitFor(async () => (await store.lookupCredential(key2.accessKeyId, undefined)) === undefined);
    expect(await store.getUser("erin")).toBeUndefined();
  }, 20_000);

  test("a cached lookup is a Map hit: the same record, no new read", async () => {
    const paths = iamPaths(root);
    const secretsKey = await loadSecretsKey(root, {});
    await addUser(paths, "fay", "s3");
    const key = await createKey(paths, secretsKey, "fay");
    const store = createIamStore({ root, secretsKey, rootCredential });
    const first = await store.lookupCredential(key.accessKeyId, undefined);
    expect(first).toBeDefined();
    for (let i = 0; i < 1000; i++)
      expect(await store.lookupCredential(key.accessKeyId, undefined)).toBe(first);
  });
});

/** Polls until check() holds; fails after 2 s (the revalidation promise). */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > 2000) throw new Error("not seen within 2 s");
    await Bun.sleep(50);
  }
}
