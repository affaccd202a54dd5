/**
 * --require-encrypted-root: a root on an fscrypt-protected directory (ext4 with the encrypt
 * feature, on a loop device made here) is confirmed and reported; a plain root is refused.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { repoRoot, s3Client, s3dirCli, startHost, type TestServer } from "../helpers/index.ts";

setDefaultTimeout(60_000);

let dir: string;
let mountPoint: string;
let encryptedRoot: string;
let mounted = false;

function run(cmd: string[], stdin?: string): string {
  const result = Bun.spawnSync(cmd, {
    stdin: stdin === undefined ? "ignore" : Buffer.from(stdin),
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    throw new Error(
      `${cmd.join(" ")} failed (${result.stderr.toString().trim()}): this test needs root, loop devices and ext4 encryption (e2fsprogs' e4crypt)`,
    );
  }
  return result.stdout.toString();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "s3dir-fscrypt-"));
  mountPoint = join(dir, "mnt");
  mkdirSync(mountPoint);
  const image = join(dir, "fs.img");
  run(["truncate", "-s", "64M", image]);
  run(["/usr/sbin/mkfs.ext4", "-q", "-O", "encrypt", image]);
  run(["mount", "-o", "loop", image, mountPoint]);
  mounted = true;
  encryptedRoot = join(mountPoint, "share");
  mkdirSync(encryptedRoot);
  // The key goes into the session keyring, which the server processes started below share.
  run(["/usr/sbin/e4crypt", "add_key", encryptedRoot], "s3dir test passphrase\n");
});

afterAll(() => {
  // A lazy unmount: a server process that is still exiting may hold the mount for a moment.
  if (mounted) Bun.spawnSync(["umount", "-l", mountPoint]);
  rmSync(dir, { recursive: true, force: true });
});

describe("--require-encrypted-root", () => {
  test("a root on an fscrypt directory is confirmed, reported, and serves plain files to POSIX", async () => {
    let server: TestServer | undefined;
    try {
      server = await startHost({ root: encryptedRoot, args: ["--require-encrypted-root"] });
      const status = (await (await fetch(`${server.endpoint}/health/status`)).json()) as {
        rootEncrypted: boolean;
      };
      expect(status.rootEncrypted).toBe(true);
      expect(server.logs().join("\n")).toContain("fscrypt: the root directory has the encrypted flag");
      const client = s3Client(server);
      await client.send(new CreateBucketCommand({ Bucket: "secret" }));
      await client.send(new PutObjectCommand({ Bucket: "secret", Key: "a.txt", Body: "at rest, encrypted" }));
      const got = await client.send(new GetObjectCommand({ Bucket: "secret", Key: "a.txt" }));
      expect(await got.Body!.transformToString()).toBe("at rest, encrypted");
      expect(readFileSync(join(encryptedRoot, "secret", "a.txt"), "utf8")).toBe("at rest, encrypted");
      const lsattr = run(["lsattr", "-d", join(encryptedRoot, "secret")]);
      expect(lsattr.split(" ")[0]).toContain("E");

      await s3dirCli(encryptedRoot, "cluster", "create", "--hosts", `127.0.0.1:${server.port}`);
      const table = await s3dirCli(encryptedRoot, "cluster", "status");
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/ENCRYPTED/);
      expect(table.stdout.split("\n")[1]).toMatch(/ yes +yes +\S+ +\S+ +\d+ +yes/);
    } finally {
      await server?.stop();
    }
  });

  test("a plain root is refused, saying what was checked", async () => {
    const plain = mkdtempSync(join(dir, "plain-"));
    const proc = Bun.spawn(
      [process.execPath, "src/main.ts", "serve", "--root", plain, "--port", "0", "--require-encrypted-root"],
      { cwd: repoRoot, stdout: "pipe", stderr: "pipe" },
    );
    expect(await proc.exited).not.toBe(0);
    const stderr = await new Response(proc.stderr).text();
    expect(stderr).toContain("cannot confirm");
    expect(stderr).toContain("fscrypt: no encryption policy");
    expect(stderr).toContain("dm-crypt:");
  });

  test("without the flag a plain root serves and reports rootEncrypted false", async () => {
    const server = await startHost();
    try {
      const status = (await (await fetch(`${server.endpoint}/health/status`)).json()) as {
        rootEncrypted: boolean;
      };
      expect(status.rootEncrypted).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
