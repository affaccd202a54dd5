import { activeKey } from "../iam/key-secret.ts";
import { readRootCredential } from "../iam/root-credential.ts";
import { loadSecretsKey } from "../iam/secrets-key.ts";
import { presignUrl } from "../lib/presign.ts";
import { encodeRfc3986 } from "../lib/uri-encode.ts";
import { adminContext } from "./admin-options.ts";
import { parseDuration } from "./duration.ts";

const usage =
  "usage: s3dir presign GET|PUT|HEAD|DELETE BUCKET/KEY [--expires 1h] [--endpoint URL] [--access-key ID] [--region R]";

/**
 * `s3dir presign GET BUCKET/KEY`: a SigV4 presigned URL made with the root credential or a user's
 * key (`--access-key`), read from the shared root. The URL carries that key's rights when used.
 */
export async function presignCommand(argv: string[]): Promise<void> {
  const ctx = await adminContext(argv, ["expires", "endpoint", "access-key", "region"]);
  const [method, target, ...extra] = ctx.positionals;
  const verb = method?.toUpperCase();
  if (!verb || !["GET", "PUT", "HEAD", "DELETE"].includes(verb) || !target || extra.length > 0)
    throw new Error(usage);
  const slash = target.indexOf("/");
  const bucket = slash < 0 ? target : target.slice(0, slash);
  const key = slash < 0 ? "" : target.slice(slash + 1);
  if (!bucket || !key) throw new Error(`${usage}\n(the target is BUCKET/KEY)`);
  const opts = ctx.options;
  const expires = parseDuration(opts.expires ?? "1h", "s");
  if (expires === undefined || expires < 1000 || expires > 604_800_000) {
    throw new Error("--expires is 1s … 7d (e.g. 3600, 15m, 1h, 7d)");
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
