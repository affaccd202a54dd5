/** What an S3 call with given credentials gives, for tests of who may do what. */
import type { S3Client } from "@aws-sdk/client-s3";
import { type Credentials, s3Client } from "./clients.ts";
import type { TestServer } from "./server.ts";
import { waitFor } from "./util.ts";

export type S3Call = (s3: S3Client) => Promise<unknown>;

/** "ok", or the error's name (its S3 code). */
export async function s3Outcome(server: TestServer, credentials: Credentials, call: S3Call): Promise<string> {
  const s3 = s3Client(server, credentials);
  try {
    await call(s3);
    return "ok";
  } catch (e) {
    return (e as { name: string }).name;
  } finally {
    s3.destroy();
  }
}

/** Polls until the call gives the expected outcome (the server re-reads IAM files each second); returns the last one. */
export async function becomes(
  server: TestServer,
  expected: string,
  credentials: Credentials,
  call: S3Call,
  timeoutMs = 3000,
): Promise<string> {
  let last = "";
  await waitFor(
    async () => {
      last = await s3Outcome(server, credentials, call);
      return last === expected;
    },
    timeoutMs,
    100,
  );
  return last;
}
