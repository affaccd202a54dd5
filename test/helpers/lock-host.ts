/**
 * A host for object lock tests, whose root is removed after the file's tests even though locked
 * files in it are immutable (the server runs as root in tests, so it can set the flag): the
 * flag is cleared first, as only root can.
 *
 *   const { server, s3, root } = useLockHost();
 */
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { s3Client } from "./clients.ts";
import { type StartHostOptions, startHost } from "./host.ts";
import type { TestServer } from "./server.ts";

export interface LockHost {
  readonly server: TestServer;
  readonly s3: S3Client;
  readonly root: string;
}

/** Clears the immutable flag below root, then removes it. */
export function removeLockedTree(root: string): void {
  Bun.spawnSync(["chattr", "-R", "-i", root], { stdout: "ignore", stderr: "ignore" });
  rmSync(root, { recursive: true, force: true });
}

export function useLockHost(options: Omit<StartHostOptions, "root"> = {}): LockHost {
  const root = mkdtempSync(join(tmpdir(), "s3dir-lock-"));
  let server: TestServer | undefined;
  let s3: S3Client | undefined;
  beforeAll(async () => {
    server = await startHost({ ...options, root });
    s3 = s3Client(server);
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.stop();
    removeLockedTree(root);
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useLockHost: the ${what} is made in beforeAll`);
    return value;
  };
  return {
    get server() {
      return need(server, "server");
    },
    get s3() {
      return need(s3, "client");
    },
    root,
  };
}
