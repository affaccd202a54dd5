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
import { holderPolicyHandlers, type IamHandler } from "./iam-holder-actions.ts";
import { paginate } from "./iam-paging.ts";
import { requiredEntityName, requiredName } from "./iam-params.ts";
import { groupXml, members, userRecordXml } from "./iam-render.ts";

const groupName = (params: URLSearchParams) => requiredEntityName(params, "GroupName", 128);

/** The IAM group actions: groups, membership, inline and attached group policies. */
export const groupHandlers: Record<string, IamHandler> = {
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

  ...holderPolicyHandlers({ kind: "Group", name: groupName, store: groupStore, require: requireGroup }),
};
