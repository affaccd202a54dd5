import { activeKey } from "../iam/key-secret.ts";
import { readRootCredential } from "../iam/root-credential.ts";
import { loadSecretsKey } from "../iam/secrets-key.ts";
import { presignUrl } from "../lib/presign.ts";
import { encodeRfc3986 } from "../lib/uri-encode.ts";
import { adminContext, adminOptions } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { parseDuration } from "./duration.ts";
import { UsageError } from "./usage-error.ts";

const usage = {
  "": "s3dir presign GET|PUT|HEAD|DELETE BUCKET/KEY [--expires 1h] [--endpoint URL] [--access-key ID] [--region R]",
};

/**
 * `s3dir presign GET BUCKET/KEY`: a SigV4 presigned URL made with the root credential or a user's
 * key (`--access-key`), read from the shared root. The URL carries that key's rights when used.
 */
async function runPresign(line: CommandLine): Promise<void> {
  const [method, target, ...extra] = line.positionals;
  const verb = method?.toUpperCase();
  if (!verb || !["GET", "PUT", "HEAD", "DELETE"].includes(verb) || !target || extra.length > 0)
    throw new UsageError(`usage: ${usage[""]}`);
  const slash = target.indexOf("/");
  const bucket = slash < 0 ? target : target.slice(0, slash);
  const key = slash < 0 ? "" : target.slice(slash + 1);
  if (!bucket || !key) throw new UsageError(`usage: ${usage[""]}\n(the target is BUCKET/KEY)`);
  const ctx = await adminContext(line);
  const opts = ctx.options;
  const expires = parseDuration(opts.expires ?? "1h", "s");
  if (expires === undefined || expires < 1000 || expires > 604_800_000) {
    throw new UsageError("--expires is 1s … 7d (e.g. 3600, 15m, 1h, 7d)");
  }
  const endpoint = new URL(opts.endpoint ?? process.env.S3DIR_ENDPOINT ?? "http://127.0.0.1:9000");
  const credential = opts["access-key"]
    ? await activeKey(ctx.paths, await loadSecretsKey(ctx.root, process.env), opts["access-key"])
    : await readRootCredential(ctx.root, process.env);
  const path = `${endpoint.pathname.replace(/\/$/, "")}/${bucket}/${key.split("/").map(encodeRfc3986).join("/")}`;
  const url = await presignUrl({
    method: verb,
    url: new URL(path, endpoint),
    accessKeyId: credential.accessKeyId,
    secretAccessKey: credential.secretAccessKey,
    region: opts.region ?? process.env.AWS_REGION ?? "us-east-1",
    expiresSeconds: Math.floor(expires / 1000),
  });
  ctx.print({ url, method: verb, expiresSeconds: Math.floor(expires / 1000) }, url);
}

export const presignCommand: CommandSpec = {
  name: "presign",
  summary: "a SigV4 presigned URL, signed with the root credential unless --access-key",
  usage,
  options: adminOptions(
    {
      name: "expires",
      kind: "value",
      value: "DURATION",
      default: "1h",
      description: "how long the URL works (1s … 7d)",
    },
    {
      name: "endpoint",
      kind: "value",
      value: "URL",
      default: "http://127.0.0.1:9000",
      description: "the server the URL points to (else env S3DIR_ENDPOINT)",
    },
    { name: "access-key", kind: "value", value: "ID", description: "sign with this user's access key" },
    {
      name: "region",
      kind: "value",
      value: "REGION",
      default: "us-east-1",
      description: "the signing region (else env AWS_REGION)",
    },
  ),
  run: runPresign,
};
