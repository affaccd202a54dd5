import * as v from "valibot";
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
import { holderPolicyHandlers, type IamHandler } from "./iam-holder-actions.ts";
import { paginate } from "./iam-paging.ts";
import {
  optionalInteger,
  pathParam,
  requiredDocument,
  requiredDocumentNamed,
  requiredEntityName,
} from "./iam-params.ts";
import { members, roleXml } from "./iam-render.ts";
import { QueryError } from "./query-error.ts";
import { param } from "./query-params.ts";

const roleName = (params: URLSearchParams) => requiredEntityName(params, "RoleName", 64);
const maxSession = (params: URLSearchParams) =>
  optionalInteger(params, "MaxSessionDuration", minRoleSessionSeconds, maxRoleSessionSeconds);
const descriptionLength = "Member must have length less than or equal to 1000";
const description = (params: URLSearchParams) =>
  param(params, "Description", v.nullable(v.pipe(v.string(), v.maxLength(1000, descriptionLength)))) ??
  undefined;

/** The IAM role actions: roles with their trust policy, inline and attached role policies. */
export const roleHandlers: Record<string, IamHandler> = {
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

  ...holderPolicyHandlers({ kind: "Role", name: roleName, store: roleStore, require: getRole }),
};
