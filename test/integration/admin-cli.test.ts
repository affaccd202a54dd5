import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { s3Client, s3dirCli, startHost, type TestServer } from "../helpers/index.ts";

let root: string;

const cli = (...args: string[]) => s3dirCli(root, ...args);

async function cliJson<T>(...args: string[]): Promise<T> {
  const result = await cli(...args, "--json");
  if (result.code !== 0) throw new Error(`s3dir ${args.join(" ")} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await promise;
  } catch (e) {
    const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode };
  }
  return { name: "no error" };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "s3dir-admin-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("admin CLI", () => {
  test("users, keys and policies", async () => {
    expect((await cliJson<{ name: string }>("user", "add", "alice", "--role", "s3")).name).toBe("alice");
    const dup = await cli("user", "add", "alice");
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain("already exists");
    expect((await cli("user", "add", "x", "--role", "boss")).stderr).toContain("--role is admin or s3");
    const users = await cliJson<{ name: string; role: string }[]>("user", "list");
    expect(users.map((u) => [u.name, u.role])).toEqual([
      ["root", "admin"],
      ["alice", "s3"],
    ]);
    expect(statSync(join(root, ".s3dir")).mode & 0o777).toBe(0o700);

    const key = await cliJson<{ accessKeyId: string; secretAccessKey: string }>("key", "create", "alice");
    expect(key.secretAccessKey.length).toBe(40);
    const keys = await cliJson<{ accessKeyId: string; status: string }[]>("key", "list", "alice");
    expect(keys).toEqual([expect.objectContaining({ accessKeyId: key.accessKeyId, status: "Active" })]);
    expect(JSON.stringify(keys)).not.toContain(key.secretAccessKey);

    const doc = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
    });
    const file = join(root, "p.json");
    await Bun.write(file, doc);
    expect((await cli("policy", "add", "mine", file)).code).toBe(0);
    await Bun.write(file, "{bad");
    const bad = await cli("policy", "add", "other", file);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("MalformedPolicy");
    await Bun.write(
      file,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:GetObjekt", Resource: "*" }],
      }),
    );
    const unknownAction = await cli("policy", "add", "other", file);
    expect(unknownAction.code).not.toBe(0);
    expect(unknownAction.stderr).toContain('unknown action "s3:GetObjekt"');
    expect((await cli("policy", "attach", "mine", "alice")).code).toBe(0);
    expect((await cli("policy", "attach", "readonly", "alice")).code).toBe(0);
    const refused = await cli("policy", "remove", "mine");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("attached to: alice");
    expect((await cli("policy", "remove", "readonly")).stderr).toContain("built-in");
    const shown = await cliJson<{ policies: string[] }>("user", "show", "alice");
    expect(shown.policies).toEqual(["mine", "readonly"]);
    const policies = await cliJson<{ name: string }[]>("policy", "list");
    expect(policies.map((p) => p.name)).toEqual(["readonly", "writeonly", "readwrite", "mine"]);
    expect((await cli("policy", "detach", "mine", "alice")).code).toBe(0);
    expect((await cli("policy", "remove", "mine")).code).toBe(0);
    expect((await cli("user", "show", "nobody")).stderr).toContain("no such user");
  });

  describe("a running server", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startHost({ root });
    });
    afterAll(async () => {
      await server.stop();
    });

    test("a user key authenticates, is disabled within 2 s, and no secret is logged", async () => {
      await cli("user", "add", "bob");
      const key = await cliJson<{ accessKeyId: string; secretAccessKey: string }>("key", "create", "bob");
      const client = s3Client(server, key);
      // a user with no policies attached may do nothing: authenticated, then denied
      expect(await errorOf(client.send(new ListBucketsCommand({})))).toEqual({
        name: "AccessDenied",
        status: 403,
      });

      expect((await cli("key", "disable", key.accessKeyId)).code).toBe(0);
      const disabledAt = Date.now();
      let error = await errorOf(client.send(new ListBucketsCommand({})));
      while (error.name !== "InvalidAccessKeyId" && Date.now() - disabledAt < 2500) {
        await Bun.sleep(100);
        error = await errorOf(client.send(new ListBucketsCommand({})));
      }
      expect(error).toEqual({ name: "InvalidAccessKeyId", status: 403 });
      expect(Date.now() - disabledAt).toBeLessThan(2500);

      expect((await cli("key", "enable", key.accessKeyId)).code).toBe(0);
      expect((await cli("user", "remove", "bob")).code).toBe(0);
      const logs = server.logs().join("\n");
      expect(logs).not.toContain(key.secretAccessKey);
      expect(logs).not.toContain(server.secretAccessKey);
    }, 30_000);
  });
});
