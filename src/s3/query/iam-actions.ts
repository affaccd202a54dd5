import { accountOf, rootArn, userArn } from "../../auth/account.ts";
import type { Principal } from "../../auth/types.ts";
import type { IamAccessKey, IamAdmin, IamManagedPolicy, IamUser } from "../../iam/iam-admin.ts";
import { xmlEscape } from "../xml/escape.ts";
import { iamQueryError } from "./iam-errors.ts";
import { groupHandlers } from "./iam-group-actions.ts";
import { paginate } from "./iam-paging.ts";
import {
  policyArn,
  policyScopeParam,
  requiredAccessKeyId,
  requiredDocument,
  requiredName,
  requiredPolicyName,
  requiredStatus,
  userNameOr,
} from "./iam-params.ts";
import { roleHandlers } from "./iam-role-actions.ts";
import { serviceAccountHandlers } from "./iam-service-account-actions.ts";
import type { QueryAction, QueryContext } from "./query-action.ts";
import { QueryError } from "./query-error.ts";
import { param } from "./query-params.ts";
import { el } from "./query-xml.ts";

/** The user name of the root credential (not a stored user). */
const rootUser = "root";

function isoSeconds(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
}

function arnOfUser(name: string, account: string): string {
  return name === rootUser ? rootArn(account) : userArn(name, account);
}

function principalArn(principal: Principal): string {
  if (principal.session) return principal.session.arn;
  return principal.kind === "user" || principal.kind === "root"
    ? arnOfUser(principal.name, accountOf(principal))
    : "anonymous";
}

function userXml(user: IamUser, account: string): string {
  return (
    `${el("Path", "/")}${el("UserName", user.name)}` +
    `${el("UserId", user.name === rootUser ? account : user.id)}` +
    `${el("Arn", arnOfUser(user.name, account))}${el("CreateDate", isoSeconds(user.created))}`
  );
}

/**
 * A user's POSIX owner as read-only tags of GetUser's User (s3dir:posix-uid, s3dir:posix-gid);
 * set with `s3dir user add|update --posix-uid --posix-gid` (docs/security.md).
 */
function posixTagsXml(user: IamUser): string {
  if (!user.posix) return "";
  const tag = (key: string, value: number) =>
    `<member>${el("Key", key)}${el("Value", String(value))}</member>`;
  return `<Tags>${tag("s3dir:posix-uid", user.posix.uid)}${tag("s3dir:posix-gid", user.posix.gid)}</Tags>`;
}

function keyXml(key: IamAccessKey): string {
  return (
    `${el("UserName", key.userName)}${el("AccessKeyId", key.accessKeyId)}` +
    `${el("Status", key.status)}${el("CreateDate", isoSeconds(key.created))}`
  );
}

function policyXml(policy: IamManagedPolicy, account: string): string {
  return (
    `${el("PolicyName", policy.name)}${el("PolicyId", policy.id)}${el("Arn", policyArn(policy.name, account))}` +
    `${el("Path", "/")}${el("DefaultVersionId", "v1")}${el("AttachmentCount", policy.attachmentCount)}` +
    `${el("PermissionsBoundaryUsageCount", 0)}${el("IsAttachable", true)}` +
    `${el("CreateDate", isoSeconds(policy.created))}${el("UpdateDate", isoSeconds(policy.updated))}`
  );
}

function members(items: string[]): string {
  return items.map((item) => `<member>${item}</member>`).join("");
}

/** The user an action applies to: UserName, else the caller's own user. */
function targetUser(ctx: QueryContext): string {
  return userNameOr(ctx.params, ctx.auth.principal.name);
}

/** A policy document as IAM returns it: URL-encoded (clients such as boto3 decode it). */
function encodedDocument(document: string): string {
  return encodeURIComponent(document);
}

type IamHandler = (ctx: QueryContext, admin: IamAdmin) => Promise<string | undefined>;

const handlers: Record<string, IamHandler> = {
  CreateUser: async ({ params }, admin) => {
    const name = requiredName(params, "UserName");
    // Refused rather than ignored: a boundary the server would not enforce must not look accepted.
    if (params.has("PermissionsBoundary"))
      throw new QueryError("InvalidInput", "Permissions boundaries are not supported by this server.");
    return `<User>${userXml(await admin.createUser(name), admin.account)}</User>`;
  },

  GetUser: async (ctx, admin) => {
    const user = await admin.getUser(targetUser(ctx));
    return `<User>${userXml(user, admin.account)}${posixTagsXml(user)}</User>`;
  },

  ListUsers: async ({ params }, admin) => {
    const page = paginate(await admin.listUsers(), (u) => u.name, params);
    return `<Users>${members(page.items.map((u) => userXml(u, admin.account)))}</Users>${page.tail}`;
  },

  DeleteUser: async ({ params }, admin) => {
    await admin.deleteUser(requiredName(params, "UserName"));
    return undefined;
  },

  CreateAccessKey: async (ctx, admin) => {
    const key = await admin.createAccessKey(targetUser(ctx));
    return (
      `<AccessKey>${el("UserName", key.userName)}${el("AccessKeyId", key.accessKeyId)}` +
      `${el("Status", key.status)}${el("SecretAccessKey", key.secretAccessKey)}` +
      `${el("CreateDate", isoSeconds(key.created))}</AccessKey>`
    );
  },

  ListAccessKeys: async (ctx, admin) => {
    const page = paginate(await admin.listAccessKeys(targetUser(ctx)), (k) => k.accessKeyId, ctx.params);
    return `<AccessKeyMetadata>${members(page.items.map(keyXml))}</AccessKeyMetadata>${page.tail}`;
  },

  UpdateAccessKey: async (ctx, admin) => {
    const accessKeyId = requiredAccessKeyId(ctx.params);
    const status = requiredStatus(ctx.params);
    await admin.updateAccessKey(targetUser(ctx), accessKeyId, status);
    return undefined;
  },

  DeleteAccessKey: async (ctx, admin) => {
    const accessKeyId = requiredAccessKeyId(ctx.params);
    await admin.deleteAccessKey(targetUser(ctx), accessKeyId);
    return undefined;
  },

  PutUserPolicy: async ({ params }, admin) => {
    const user = requiredName(params, "UserName");
    const name = requiredName(params, "PolicyName");
    await admin.putUserPolicy(user, name, requiredDocument(params));
    return undefined;
  },

  GetUserPolicy: async ({ params }, admin) => {
    const user = requiredName(params, "UserName");
    const name = requiredName(params, "PolicyName");
    const document = await admin.getUserPolicy(user, name);
    return `${el("UserName", user)}${el("PolicyName", name)}${el("PolicyDocument", encodedDocument(document))}`;
  },

  ListUserPolicies: async ({ params }, admin) => {
    const names = await admin.listUserPolicies(requiredName(params, "UserName"));
    const page = paginate(names, (n) => n, params);
    return `<PolicyNames>${members(page.items.map(xmlEscape))}</PolicyNames>${page.tail}`;
  },

  DeleteUserPolicy: async ({ params }, admin) => {
    const user = requiredName(params, "UserName");
    await admin.deleteUserPolicy(user, requiredName(params, "PolicyName"));
    return undefined;
  },

  CreatePolicy: async ({ params }, admin) => {
    const name = requiredName(params, "PolicyName");
    return `<Policy>${policyXml(await admin.createPolicy(name, requiredDocument(params)), admin.account)}</Policy>`;
  },

  GetPolicy: async ({ params }, admin) =>
    `<Policy>${policyXml(await admin.getPolicy(requiredPolicyName(params, admin.account)), admin.account)}</Policy>`,

  GetPolicyVersion: async ({ params }, admin) => {
    const policy = await admin.getPolicy(requiredPolicyName(params, admin.account));
    const version = params.get("VersionId");
    if (version !== "v1") {
      throw new QueryError(
        "NoSuchEntity",
        `Policy ${policyArn(policy.name, admin.account)} version ${version ?? ""} does not exist or is not attachable.`,
        404,
      );
    }
    return (
      `<PolicyVersion>${el("Document", encodedDocument(policy.document))}${el("VersionId", "v1")}` +
      `${el("IsDefaultVersion", true)}${el("CreateDate", isoSeconds(policy.created))}</PolicyVersion>`
    );
  },

  ListPolicies: async ({ params }, admin) => {
    const scope = param(params, "Scope", policyScopeParam);
    const onlyAttached = params.get("OnlyAttached") === "true";
    const policies = (await admin.listPolicies()).filter(
      (p) => (scope === "All" || (scope === "AWS") === p.builtin) && (!onlyAttached || p.attachmentCount > 0),
    );
    const page = paginate(policies, (p) => p.name, params);
    return `<Policies>${members(page.items.map((p) => policyXml(p, admin.account)))}</Policies>${page.tail}`;
  },

  DeletePolicy: async ({ params }, admin) => {
    await admin.deletePolicy(requiredPolicyName(params, admin.account));
    return undefined;
  },

  AttachUserPolicy: async ({ params }, admin) => {
    const user = requiredName(params, "UserName");
    await admin.attachUserPolicy(user, requiredPolicyName(params, admin.account));
    return undefined;
  },

  DetachUserPolicy: async ({ params }, admin) => {
    const user = requiredName(params, "UserName");
    await admin.detachUserPolicy(user, requiredPolicyName(params, admin.account));
    return undefined;
  },

  ListAttachedUserPolicies: async ({ params }, admin) => {
    const names = await admin.listAttachedUserPolicies(requiredName(params, "UserName"));
    const page = paginate(names, (n) => n, params);
    const items = page.items.map(
      (n) => `${el("PolicyName", n)}${el("PolicyArn", policyArn(n, admin.account))}`,
    );
    return `<AttachedPolicies>${members(items)}</AttachedPolicies>${page.tail}`;
  },
};

/** A session with its parent's full rights (no session policy) whose parent is an administrator. */
async function isAdminSession(principal: Principal, admin: IamAdmin): Promise<boolean> {
  const session = principal.session;
  if (principal.kind !== "session" || !session || session.policy) return false;
  // A role's or a federated identity's session has the rights it was given, never its caller's.
  if (session.role || session.federated || session.policies) return false;
  if (principal.name === rootUser) return true;
  return (await admin.roleOf(principal.name)) === "admin";
}

/**
 * IAM actions are for administrators: the root credential and users with role "admin". Users with
 * role "s3" are refused, and so are STS sessions except those of an administrator that carry no
 * session policy (the web console signs in that way: docs/console.md).
 */
async function authorize(ctx: QueryContext, admin: IamAdmin): Promise<void> {
  const { principal } = ctx.auth;
  if (principal.kind === "root") return;
  // A service account of an admin is not an admin: its narrowing policy covers S3 only.
  if (
    principal.kind === "user" &&
    !principal.serviceAccount &&
    (await admin.roleOf(principal.name)) === "admin"
  )
    return;
  if (await isAdminSession(principal, admin)) return;
  throw new QueryError(
    "AccessDenied",
    `User: ${principalArn(principal)} is not authorized to perform: iam:${ctx.action}`,
    403,
  );
}

/**
 * The IAM Query API (users, access keys, inline and managed policies) for the Query pipeline.
 * Users created here get role "s3" (their rights come from their policies); administrators are
 * made with the CLI: `s3dir user add NAME --role admin`. Path, PathPrefix and Tags are accepted and
 * ignored (every entity's path is "/"); every managed policy, built-in or custom, is
 * `arn:aws:iam::000000000000:policy/NAME`, and a bare NAME is accepted where an ARN is expected.
 */
export function createIamActions(adminOf: (account: string) => IamAdmin): Record<string, QueryAction> {
  // No prototype: an Action such as "toString" must not find an inherited function.
  const actions: Record<string, QueryAction> = Object.create(null);
  for (const [name, handler] of Object.entries({ ...handlers, ...groupHandlers, ...roleHandlers })) {
    actions[name] = async (ctx) => {
      // Every IAM request acts inside the caller's own account.
      const admin = adminOf(accountOf(ctx.auth.principal));
      await authorize(ctx, admin);
      try {
        return await handler(ctx, admin);
      } catch (e) {
        throw iamQueryError(e) ?? e;
      }
    };
  }
  // Service accounts authorize per call: a user may manage its own.
  for (const [name, handler] of Object.entries(serviceAccountHandlers)) {
    actions[name] = async (ctx) => {
      try {
        return await handler(ctx, adminOf(accountOf(ctx.auth.principal)));
      } catch (e) {
        throw iamQueryError(e) ?? e;
      }
    };
  }
  return actions;
}
