import * as v from "valibot";
import { accountOf, userArn } from "../../auth/account.ts";
import type { IamAdmin } from "../../iam/iam-admin.ts";
import {
  listServiceAccounts,
  removeServiceAccount,
  type ServiceAccount,
  showServiceAccount,
} from "../../iam/service-account-admin.ts";
import { paginate } from "./iam-paging.ts";
import { requiredAccessKeyId, userNameOr } from "./iam-params.ts";
import { encodedDocument, isoSeconds, members } from "./iam-render.ts";
import type { QueryContext } from "./query-action.ts";
import { QueryError } from "./query-error.ts";
import { param } from "./query-params.ts";
import { el } from "./query-xml.ts";

type Handler = (ctx: QueryContext, admin: IamAdmin) => Promise<string | undefined>;

const policyLength = "Member must have length between 1 and 131072";
const optionalPolicy = v.nullable(
  v.pipe(v.string(), v.minLength(1, policyLength), v.maxLength(131_072, policyLength)),
);
const optionalName = v.nullable(
  v.pipe(
    v.string(),
    v.regex(/^[\w+=,.@-]{1,64}$/, "Member must satisfy regular expression pattern: [\\w+=,.@-]{1,64}"),
  ),
);

function serviceAccountXml(account: ServiceAccount, withPolicy: boolean): string {
  return (
    `${el("UserName", account.user)}${el("AccessKeyId", account.accessKeyId)}` +
    `${account.name ? el("Name", account.name) : ""}${el("Status", account.status)}` +
    `${el("CreateDate", isoSeconds(account.created))}` +
    `${withPolicy && account.policy ? el("Policy", encodedDocument(account.policy)) : ""}`
  );
}

/**
 * Who may manage service accounts: the root credential and admins for any user, any other user
 * for itself only (with its own long-term keys: not a session, not a service account).
 */
async function authorizeFor(ctx: QueryContext, admin: IamAdmin, userName: string): Promise<void> {
  const { principal } = ctx.auth;
  if (principal.kind === "root") return;
  if (principal.kind === "user" && !principal.serviceAccount) {
    if (principal.name === userName) return;
    if ((await admin.roleOf(principal.name)) === "admin") return;
  }
  const caller =
    principal.kind === "session" && principal.session
      ? principal.session.arn
      : userArn(principal.name, accountOf(principal));
  throw new QueryError(
    "AccessDenied",
    `User: ${caller} is not authorized to perform: iam:${ctx.action} on resource: ${userArn(userName, admin.account)}`,
    403,
  );
}

/**
 * Service accounts through the IAM endpoint, as s3dir extensions of the IAM Query API (MinIO's
 * admin API is not S3-compatible): CreateServiceAccount, ListServiceAccounts, GetServiceAccount,
 * DeleteServiceAccount. UserName defaults to the caller (docs/security.md).
 */
export const serviceAccountHandlers: Record<string, Handler> = {
  CreateServiceAccount: async (ctx, admin) => {
    const user = userNameOr(ctx.params, ctx.auth.principal.name);
    await authorizeFor(ctx, admin, user);
    const name = param(ctx.params, "Name", optionalName) ?? undefined;
    const policy = param(ctx.params, "Policy", optionalPolicy, { hideValue: true }) ?? undefined;
    const created = await admin.createServiceAccount(user, { name, policy });
    return (
      `<ServiceAccount>${serviceAccountXml(created, false)}` +
      `${el("SecretAccessKey", created.secretAccessKey)}</ServiceAccount>`
    );
  },

  ListServiceAccounts: async (ctx, admin) => {
    const user = userNameOr(ctx.params, ctx.auth.principal.name);
    await authorizeFor(ctx, admin, user);
    const page = paginate(await listServiceAccounts(admin.paths, user), (s) => s.accessKeyId, ctx.params);
    return `<ServiceAccounts>${members(page.items.map((s) => serviceAccountXml(s, false)))}</ServiceAccounts>${page.tail}`;
  },

  GetServiceAccount: async (ctx, admin) => {
    const found = await ownServiceAccount(ctx, admin);
    return `<ServiceAccount>${serviceAccountXml(found, true)}</ServiceAccount>`;
  },

  DeleteServiceAccount: async (ctx, admin) => {
    const found = await ownServiceAccount(ctx, admin);
    await removeServiceAccount(admin.paths, found.accessKeyId);
    return undefined;
  },
};

/** The service account named by AccessKeyId, once the caller may manage its user's. */
async function ownServiceAccount(ctx: QueryContext, admin: IamAdmin): Promise<ServiceAccount> {
  const accessKeyId = requiredAccessKeyId(ctx.params);
  const user = userNameOr(ctx.params, ctx.auth.principal.name);
  await authorizeFor(ctx, admin, user);
  const found = await showServiceAccount(admin.paths, accessKeyId).catch(() => undefined);
  if (!found || found.user !== user)
    throw new QueryError("NoSuchEntity", `The service account with key ${accessKeyId} cannot be found.`, 404);
  return found;
}
