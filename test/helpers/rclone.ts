/**
 * rclone (Debian's package) against a test server: the remote `s3dir:` is configured only through
 * RCLONE_CONFIG_S3DIR_* variables with `--config /dev/null`, so no user configuration is read.
 */
import { type ProcessResult, run } from "./clients.ts";
import type { TestServer } from "./server.ts";

export const rcloneBinary = Bun.which("rclone");

export const rcloneMissing =
  "rclone is not installed; these tests drive it for real. Install it with: apt-get install -y rclone " +
  "(.ci/run does this)";

/** The process environment without AWS, boto or rclone settings, and the remote `s3dir:`. */
function rcloneEnv(server: TestServer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    // AWS_CA_BUNDLE in particular: rclone loads it even for http and fails (LoadCustomCABundleError).
    if (value !== undefined && !/^(AWS_|BOTO|RCLONE_)/.test(name)) env[name] = value;
  }
  return Object.assign(env, {
    RCLONE_CONFIG_S3DIR_TYPE: "s3",
    RCLONE_CONFIG_S3DIR_PROVIDER: "Other",
    RCLONE_CONFIG_S3DIR_ENV_AUTH: "false",
    RCLONE_CONFIG_S3DIR_ACCESS_KEY_ID: server.accessKeyId,
    RCLONE_CONFIG_S3DIR_SECRET_ACCESS_KEY: server.secretAccessKey,
    RCLONE_CONFIG_S3DIR_ENDPOINT: server.endpoint,
    RCLONE_CONFIG_S3DIR_REGION: server.region,
    RCLONE_CONFIG_S3DIR_FORCE_PATH_STYLE: "true",
  });
}

/**
 * `rclone --config /dev/null ARGS…` with one attempt per operation, so that a refusal shows at
 * once rather than after rclone's retries. Throws rcloneMissing when rclone is not installed.
 */
export async function rclone(server: TestServer, ...args: string[]): Promise<ProcessResult> {
  if (!rcloneBinary) throw new Error(rcloneMissing);
  return await run(
    [rcloneBinary, "--config", "/dev/null", "--retries", "1", "--low-level-retries", "1", ...args],
    rcloneEnv(server),
    120_000,
  );
}
