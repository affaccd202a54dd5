import * as v from "valibot";
import type { IamAdmin } from "../../iam/iam-admin.ts";
import {
  attachHolderPolicy,
  deleteHolderPolicy,
  detachHolderPolicy,
  getHolderPolicy,
  listHolderPolicies,
  putHolderPolicy,
} from "../../iam/policy-holder.ts";
import {
  createRole,
  deleteRole,
  getRole,
  listRoles,
  maxRoleSessionSeconds,
  minRoleSessionSeconds,
  roleStore,
  updateAssumeRolePolicy,
  updateRole,
} from "../../iam/role-admin.ts";
import { xmlEscape } from "../xml/escape.ts";
import { paginate } from "./iam-paging.ts";
import {
  optionalInteger,
  pathParam,
  requiredDocument,
  requiredDocumentNamed,
  requiredEntityName,
  requiredName,
  requiredPolicyName,
} from "./iam-params.ts";
import { attachedPoliciesXml, encodedDocument, members, roleXml } from "./iam-render.ts";
import type { QueryContext } from "./query-action.ts";
import { QueryError } from "./query-error.ts";
import { param } from "./query-params.ts";
import { el } from "./query-xml.ts";

type Handler = (ctx: QueryContext, admin: IamAdmin) => Promise<string | undefined>;

const roleName = (params: URLSearchParams) => requiredEntityName(params, "RoleName", 64);
const maxSession = (params: URLSearchParams) =>
  optionalInteger(params, "MaxSessionDuration", minRoleSessionSeconds, maxRoleSessionSeconds);
const descriptionLength = "Member must have length less than or equal to 1000";
const description = (params: URLSearchParams) =>
  param(params, "Description", v.nullable(v.pipe(v.string(), v.maxLength(1000, descriptionLength)))) ??
  undefined;

/** The IAM role actions: roles with their trust policy, inline and attached role policies. */
export const roleHandlers: Record<string, Handler> = {
  CreateRole: async ({ params }, admin) => {
    const name = roleName(params);
    if (params.has("PermissionsBoundary"))
      throw new QueryError("InvalidInput", "Permissions boundaries are not supported by this server.");
    const role = await createRole(admin.paths, {
      name,
      trustPolicy: requiredDocumentNamed(params, "AssumeRolePolicyDocument"),
      path: pathParam(params),
      description: description(params),
      maxSessionDuration: maxSession(params),
    });
    return `<Role>${roleXml(role, admin.account)}</Role>`;
  },

  GetRole: async ({ params }, admin) =>
    `<Role>${roleXml(await getRole(admin.paths, roleName(params)), admin.account)}</Role>`,

  ListRoles: async ({ params }, admin) => {
    const prefix = params.get("PathPrefix") ?? "/";
    const roles = (await listRoles(admin.paths)).filter((r) => r.path.startsWith(prefix));
    const page = paginate(roles, (r) => r.name, params);
    return `<Roles>${members(page.items.map((r) => roleXml(r, admin.account)))}</Roles>${page.tail}`;
  },

  DeleteRole: async ({ params }, admin) => {
    await deleteRole(admin.paths, roleName(params));
    return undefined;
  },

  UpdateAssumeRolePolicy: async ({ params }, admin) => {
    const name = roleName(params);
    await updateAssumeRolePolicy(admin.paths, name, requiredDocument(params));
    return undefined;
  },

  UpdateRole: async ({ params }, admin) => {
    const name = roleName(params);
    await updateRole(admin.paths, name, {
      description: description(params),
      maxSessionDuration: maxSession(params),
    });
    return "";
  },

  PutRolePolicy: async ({ params }, admin) => {
    const role = roleName(params);
    const name = requiredName(params, "PolicyName");
    await getRole(admin.paths, role);
    await putHolderPolicy(roleStore(admin.paths), role, name, requiredDocument(params));
    return undefined;
  },

  GetRolePolicy: async ({ params }, admin) => {
    const role = roleName(params);
    const name = requiredName(params, "PolicyName");
    const document = await getHolderPolicy(roleStore(admin.paths), role, name);
    return `${el("RoleName", role)}${el("PolicyName", name)}${el("PolicyDocument", encodedDocument(document))}`;
  },

  ListRolePolicies: async ({ params }, admin) => {
    const names = await listHolderPolicies(roleStore(admin.paths), roleName(params));
    const page = paginate(names, (n) => n, params);
    return `<PolicyNames>${members(page.items.map(xmlEscape))}</PolicyNames>${page.tail}`;
  },

  DeleteRolePolicy: async ({ params }, admin) => {
    const role = roleName(params);
    await deleteHolderPolicy(roleStore(admin.paths), role, requiredName(params, "PolicyName"));
    return undefined;
  },

  AttachRolePolicy: async ({ params }, admin) => {
    const role = roleName(params);
    const policy = requiredPolicyName(params, admin.account);
    await attachHolderPolicy(admin.paths, roleStore(admin.paths), role, policy);
    return undefined;
  },

  DetachRolePolicy: async ({ params }, admin) => {
    const role = roleName(params);
    await detachHolderPolicy(roleStore(admin.paths), role, requiredPolicyName(params, admin.account));
    return undefined;
  },

  ListAttachedRolePolicies: async ({ params }, admin) => {
    const role = await getRole(admin.paths, roleName(params));
    const page = paginate([...role.policies].sort(), (n) => n, params);
    return `<AttachedPolicies>${attachedPoliciesXml(page.items, admin.account)}</AttachedPolicies>${page.tail}`;
  },
};
