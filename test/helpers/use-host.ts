/**
 * The block most integration files start with, once: a host for the file (startHost), a JS SDK
 * client for it and, unless asked otherwise, one bucket; stopped again after the file's tests.
 *
 *   const { server, s3, bucket } = useHost({ bucket: "copy" });
 *
 * `server` and `s3` are stand-ins that forward to the host and client made in beforeAll (using them
 * earlier throws), so test bodies use them like plain variables. Hooks registered after useHost()
 * run after its own, both before and after the tests (bun runs afterAll hooks in the order they
 * were registered): a file's beforeAll may use the host, but its afterAll finds it stopped and its
 * root removed, so a file that must undo something inside the root first (an unmount) starts
 * its host itself.
 */
import { afterAll, beforeAll } from "bun:test";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { s3Client } from "./clients.ts";
import { type StartHostOptions, startHost } from "./host.ts";
import type { TestServer } from "./server.ts";
import { uniqueBucket } from "./util.ts";

export interface UseHostOptions extends StartHostOptions {
  /** The prefix of the bucket made for the file (default "b"); false for none. */
  bucket?: string | false;
}

export interface HostFixture {
  server: TestServer;
  s3: S3Client;
  /** The bucket made for the file ("" with `bucket: false`). */
  bucket: string;
}

/** An object that forwards to current(), which must exist by the time it is used. */
function standIn<T extends object>(what: string, prototype: object | null, current: () => T | undefined): T {
  const target = (): T => {
    const value = current();
    if (!value) throw new Error(`useHost: the ${what} is made in beforeAll; use it inside a test or hook`);
    return value;
  };
  return new Proxy({} as T, {
    get(_, prop) {
      const t = target();
      const value = Reflect.get(t, prop, t);
      return typeof value === "function" ? value.bind(t) : value;
    },
    set: (_, prop, value) => Reflect.set(target(), prop, value),
    has: (_, prop) => Reflect.has(target(), prop),
    getPrototypeOf: () => prototype,
  });
}

export function useHost(options: UseHostOptions = {}): HostFixture {
  const { bucket: prefix = "b", ...startOptions } = options;
  const bucket = prefix === false ? "" : uniqueBucket(prefix);
  let server: TestServer | undefined;
  let s3: S3Client | undefined;
  beforeAll(async () => {
    server = await startHost(startOptions);
    s3 = s3Client(server);
    if (bucket) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.stop();
  });
  return {
    server: standIn("server", Object.prototype, () => server),
    s3: standIn("client", S3Client.prototype, () => s3),
    bucket,
  };
}
