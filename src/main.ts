#!/usr/bin/env bun
import { auditWebhookCommand } from "./cli/audit-webhook.ts";
import { bucketCommand } from "./cli/bucket.ts";
import { clusterCommand } from "./cli/cluster.ts";
import { doctorCommand } from "./cli/doctor.ts";
import { keyCommand } from "./cli/key.ts";
import { masterKeyCommand } from "./cli/master-key.ts";
import { policyCommand } from "./cli/policy.ts";
import { presignCommand } from "./cli/presign.ts";
import { serveCommand } from "./cli/serve.ts";
import { stsCommand } from "./cli/sts.ts";
import { userCommand } from "./cli/user.ts";

const usage = `usage: s3dir <command> [options]

commands:
  serve   serve a directory as S3
          --root DIR (default ./data, or env S3DIR_ROOT)  --host 127.0.0.1  --port 9000
          --region us-east-1  --domain example.com,...  --fsync on|off  --metadata-store auto|xattr|file
          --access-log on|off  --multipart-expiry 7d (incomplete uploads older than this are removed)
          --sts-max-duration 12h (the longest session AssumeRole grants, 15m … 12h)
          --tls-cert FILE --tls-key FILE [--http-port P]  --max-in-flight 4096  --metrics on|off
          --min-free 1GiB|5% (below it, writes get 507 StorageFull and /health/ready 503)
          --require-encrypted-root  --runtime bun|node (node: Node.js 20+, dist/node/s3dir.mjs)
          --allow-sse-c-over-http on|off (testing only: accept SSE-C keys without TLS)
  user    user add NAME [--role admin|s3] | list | show NAME | remove NAME
  key     key create USER | list [USER] | disable|enable|remove ACCESS_KEY_ID
  policy  policy add NAME FILE|- | list | show NAME | remove NAME | attach|detach NAME USER
  bucket  bucket create NAME | list | remove NAME
          bucket policy set BUCKET none|download|upload|public|FILE|- | policy get|unset BUCKET
  sts     sts assume-role USER [--duration 1h] [--policy FILE|-] [--role-arn ARN] [--session-name NAME]
          sts rotate-key (revokes every session token issued so far)
  doctor  doctor [--root DIR]: checks the root for what s3dir relies on (xattrs, rename, O_EXCL, link,
          fsync, locks across processes, case, clocks of the cluster's hosts) and says what to fix
  presign presign GET|PUT|HEAD|DELETE BUCKET/KEY [--expires 1h] [--endpoint URL] [--access-key ID]
          [--region us-east-1] (signed with the root credential unless --access-key)
  cluster cluster create --hosts HOST:PORT,... | host add|remove HOST:PORT | status (exit 1 unless all ready)
  audit-webhook
          audit-webhook enable --url URL [--auth-token TOKEN] [--format splunk|json] [--batch-size 100]
          [--flush-interval 1] [--timeout 10] [--max-backoff 30] (seconds) [--spool-max-bytes 1g] | disable | show
          (every S3, STS and IAM call is delivered at least once; running hosts follow within a second)
  master-key
          master-key rotate [--grace 1h] | list: SSE-S3 master keys; rotate makes a new key current,
          rewraps every encrypted object's data key under it and drops keys no object uses
          admin commands take --root DIR (else env S3DIR_ROOT, else ./data) and --json
`;

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  serve: serveCommand,
  user: userCommand,
  key: keyCommand,
  policy: policyCommand,
  bucket: bucketCommand,
  sts: stsCommand,
  doctor: doctorCommand,
  presign: presignCommand,
  "audit-webhook": auditWebhookCommand,
  cluster: clusterCommand,
  "master-key": masterKeyCommand,
};

const [name, ...rest] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  process.stderr.write(
    name && name !== "help" && name !== "--help" ? `s3dir: unknown command '${name}'\n${usage}` : usage,
  );
  process.exit(name === "help" || name === "--help" ? 0 : 2);
}
try {
  await command(rest);
} catch (e) {
  process.stderr.write(`s3dir ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
