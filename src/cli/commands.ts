import { accountCommand } from "./account.ts";
import { auditWebhookCommand } from "./audit-webhook.ts";
import { bucketCommand } from "./bucket.ts";
import { clusterCommand } from "./cluster.ts";
import type { CommandSpec } from "./command-spec.ts";
import { doctorCommand } from "./doctor.ts";
import { formatCommand } from "./format.ts";
import { groupCommand } from "./group.ts";
import { keyCommand } from "./key.ts";
import { kmsCommand } from "./kms.ts";
import { ldapCommand } from "./ldap.ts";
import { logLevelCommand } from "./log-level.ts";
import { masterKeyCommand } from "./master-key.ts";
import { oidcCommand } from "./oidc.ts";
import { policyCommand } from "./policy.ts";
import { presignCommand } from "./presign.ts";
import { serveCommand } from "./serve.ts";
import { serviceAccountCommand } from "./service-account.ts";
import { stsCommand } from "./sts.ts";
import { userCommand } from "./user.ts";

/** Every `s3dir` command, in the order the usage text lists them. */
export const commands: readonly CommandSpec[] = [
  serveCommand,
  userCommand,
  keyCommand,
  policyCommand,
  bucketCommand,
  stsCommand,
  doctorCommand,
  presignCommand,
  clusterCommand,
  auditWebhookCommand,
  masterKeyCommand,
  kmsCommand,
  accountCommand,
  oidcCommand,
  ldapCommand,
  groupCommand,
  serviceAccountCommand,
  logLevelCommand,
  formatCommand,
];
