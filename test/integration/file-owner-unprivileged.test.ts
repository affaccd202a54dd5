/**
 * A server that may not chown (not root, no CAP_CHOWN): writes by a user with a POSIX owner fail
 * with a clear error and store nothing; unmapped users and anonymous writes work as before.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type Credentials, s3Client, sdkFailure, startServer, type TestServer } from "../helpers/index.ts";
import { ensureTestUser, unprivilegedS3dirCommand } from "../helpers/unprivileged.ts";

setDefaultTimeout(120_000);

let server: TestServer;
let mapped: S3Client;
let unmapped: S3Client;
const bucket = "owned-unprivileged";

/** The CLI as the server's user (admin commands refuse a system directory not their own). */
async function cli(...args: string[]): Promise<string> {
  const { command, cwd } = await unprivilegedS3dirCommand(ensureTestUser());
  const proc = Bun.spawn([...command, ...args, "--root", server.root, "--json"], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, S3DIR_ROOT: "" },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`s3dir ${args.join(" ")}: ${stderr}`);
  return stdout;
}

async function clientOf(name: string, ...posix: string[]): Promise<S3Client> {
  await cli("user", "add", name, "--role", "s3", ...posix);
  await cli("policy", "attach", "readwrite", name);
  const creds = JSON.parse(await cli("key", "create", name)) as Credentials;
  return s3Client(server, creds);
}

beforeAll(async () => {
  const user = ensureTestUser();
  server = await startServer({ user });
  await s3Client(server).send(new CreateBucketCommand({ Bucket: bucket }));
  mapped = await clientOf("mapped", "--posix-uid", "3100", "--posix-gid", "3200");
  unmapped = await clientOf("plain");
});

afterAll(async () => {
  await server?.stop();
});

test("a mapped user's write fails with a clear error and stores nothing", async () => {
  const failure = await sdkFailure(
    mapped.send(new PutObjectCommand({ Bucket: bucket, Key: "m/new/x.txt", Body: "x" })),
  );
  expect(failure.status).toBe(500);
  expect(failure.name).toBe("InternalError");
  expect(failure.message).toContain("may not give files to uid 3100 gid 3200");
  expect(existsSync(join(server.root, bucket, "m/new/x.txt"))).toBe(false);
});

test("an unmapped user's write works and is the server's", async () => {
  await unmapped.send(new PutObjectCommand({ Bucket: bucket, Key: "p/y.txt", Body: "y" }));
  expect(statSync(join(server.root, bucket, "p/y.txt")).uid).toBe(ensureTestUser().uid);
});
