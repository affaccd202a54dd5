/**
 * s3cmd (Debian's package) against a test server, signing with Signature Version 4 (its default),
 * path-style, from a configuration file of its own so that no ~/.s3cfg is read.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Credentials, type ProcessResult, run } from "./clients.ts";
import type { TestServer } from "./server.ts";

export const s3cmdBinary = Bun.which("s3cmd");

export const s3cmdMissing =
  "s3cmd is not installed; these tests drive it for real. Install it with: apt-get install -y s3cmd " +
  "(.ci/run does this)";

/** Writes DIR/s3cfg for the server and returns its path. */
export function writeS3cmdConfig(server: TestServer, dir: string, credentials?: Credentials): string {
  const file = join(dir, "s3cfg");
  const host = `127.0.0.1:${server.port}`;
  writeFileSync(
    file,
    [
      "[default]",
      `access_key = ${credentials?.accessKeyId ?? server.accessKeyId}`,
      `secret_key = ${credentials?.secretAccessKey ?? server.secretAccessKey}`,
      `host_base = ${host}`,
      `host_bucket = ${host}`,
      "use_https = False",
      `bucket_location = ${server.region}`,
      "",
    ].join("\n"),
  );
  return file;
}

/** `s3cmd -c CONFIG ARGS…` without AWS settings in its environment. Throws s3cmdMissing without s3cmd. */
export async function s3cmd(config: string, ...args: string[]): Promise<ProcessResult> {
  if (!s3cmdBinary) throw new Error(s3cmdMissing);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(AWS_|BOTO|S3CMD)/.test(name)) env[name] = value;
  }
  return await run([s3cmdBinary, "-c", config, ...args], env, 120_000);
}
