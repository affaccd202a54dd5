import {
  addUserToGroup,
  createGroup,
  deleteGroup,
  groupMembers,
  groupStore,
  groupsForUser,
  listGroups,
  removeUserFromGroup,
  requireGroup,
} from "../../iam/group-admin.ts";
import type { IamAdmin } from "../../iam/iam-admin.ts";
import {
  attachHolderPolicy,
  deleteHolderPolicy,
  detachHolderPolicy,
  getHolderPolicy,
  listHolderPolicies,
  putHolderPolicy,
} from "../../iam/policy-holder.ts";
import { xmlEscape } from "../xml/escape.ts";
import { paginate } from "./iam-paging.ts";
import { requiredDocument, requiredEntityName, requiredName, requiredPolicyName } from "./iam-params.ts";
import { attachedPoliciesXml, encodedDocument, groupXml, members, userRecordXml } from "./iam-render.ts";
import type { QueryContext } from "./query-action.ts";
import { el } from "./query-xml.ts";

type Handler = (ctx: QueryContext, admin: IamAdmin) => Promise<string | undefined>;

const groupName = (params: URLSearchParams) => requiredEntityName(params, "GroupName", 128);

/** The IAM group actions: groups, membership, inline and attached group policies. */
export const groupHandlers: Record<string, Handler> = {
  CreateGroup: async ({ params }, admin) => {
    const name = groupName(params);
    return `<Group>${groupXml(await createGroup(admin.paths, name), admin.account)}</Group>`;
  },

  GetGroup: async ({ params }, admin) => {
    const group = await requireGroup(admin.paths, groupName(params));
    const page = paginate(await groupMembers(admin.paths, group.name), (u) => u.name, params);
    return (
      `<Group>${groupXml(group, admin.account)}</Group>` +
      `<Users>${members(page.items.map((u) => userRecordXml(u, admin.account)))}</Users>${page.tail}`
    );
  },

  ListGroups: async ({ params }, admin) => {
    const page = paginate(await listGroups(admin.paths), (g) => g.name, params);
    return `<Groups>${members(page.items.map((g) => groupXml(g, admin.account)))}</Groups>${page.tail}`;
  },

  DeleteGroup: async ({ params }, admin) => {
    await deleteGroup(admin.paths, groupName(params));
    return undefined;
  },

  AddUserToGroup: async ({ params }, admin) => {
    const group = groupName(params);
    await addUserToGroup(admin.paths, group, requiredName(params, "UserName"));
    return undefined;
  },

  RemoveUserFromGroup: async ({ params }, admin) => {
    const group = groupName(params);
    await removeUserFromGroup(admin.paths, group, requiredName(params, "UserName"));
    return undefined;
  },

  ListGroupsForUser: async ({ params }, admin) => {
    const groups = await groupsForUser(admin.paths, requiredName(params, "UserName"));
    const page = paginate(groups, (g) => g.name, params);
    return `<Groups>${members(page.items.map((g) => groupXml(g, admin.account)))}</Groups>${page.tail}`;
  },

  PutGroupPolicy: async ({ params }, admin) => {
    const group = groupName(params);
    const name = requiredName(params, "PolicyName");
    await requireGroup(admin.paths, group);
    await putHolderPolicy(groupStore(admin.paths), group, name, requiredDocument(params));
    return undefined;
  },

  GetGroupPolicy: async ({ params }, admin) => {
    const group = groupName(params);
    const name = requiredName(params, "PolicyName");
    const document = await getHolderPolicy(groupStore(admin.paths), group, name);
    return `${el("GroupName", group)}${el("PolicyName", name)}${el("PolicyDocument", encodedDocument(document))}`;
  },

  ListGroupPolicies: async ({ params }, admin) => {
    const names = await listHolderPolicies(groupStore(admin.paths), groupName(params));
    const page = paginate(names, (n) => n, params);
    return `<PolicyNames>${members(page.items.map(xmlEscape))}</PolicyNames>${page.tail}`;
  },

  DeleteGroupPolicy: async ({ params }, admin) => {
    const group = groupName(params);
    await deleteHolderPolicy(groupStore(admin.paths), group, requiredName(params, "PolicyName"));
    return undefined;
  },

  AttachGroupPolicy: async ({ params }, admin) => {
    const group = groupName(params);
    const policy = requiredPolicyName(params, admin.account);
    await attachHolderPolicy(admin.paths, groupStore(admin.paths), group, policy);
    return undefined;
  },

  DetachGroupPolicy: async ({ params }, admin) => {
    const group = groupName(params);
    await detachHolderPolicy(groupStore(admin.paths), group, requiredPolicyName(params, admin.account));
    return undefined;
  },

  ListAttachedGroupPolicies: async ({ params }, admin) => {
    const group = await requireGroup(admin.paths, groupName(params));
    const page = paginate([...group.policies].sort(), (n) => n, params);
    return `<AttachedPolicies>${attachedPoliciesXml(page.items, admin.account)}</AttachedPolicies>${page.tail}`;
  },
};
