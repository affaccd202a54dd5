import type { IamAdmin } from "../../iam/iam-admin.ts";
import type { IamPaths } from "../../iam/iam-paths.ts";
import {
  attachHolderPolicy,
  deleteHolderPolicy,
  detachHolderPolicy,
  getHolderPolicy,
  type HolderStore,
  listHolderPolicies,
  type PolicyHolder,
  putHolderPolicy,
} from "../../iam/policy-holder.ts";
import { xmlEscape } from "../xml/escape.ts";
import { paginate } from "./iam-paging.ts";
import { requiredDocument, requiredName, requiredPolicyName } from "./iam-params.ts";
import { attachedPoliciesXml, encodedDocument, members } from "./iam-render.ts";
import type { QueryContext } from "./query-action.ts";
import { el } from "./query-xml.ts";

export type IamHandler = (ctx: QueryContext, admin: IamAdmin) => Promise<string | undefined>;

/** How the policy actions of one holder kind (Group, Role) find and read its records. */
export interface HolderKind<T extends PolicyHolder> {
  kind: "Group" | "Role";
  name(params: URLSearchParams): string;
  store(paths: IamPaths): HolderStore<T>;
  require(paths: IamPaths, name: string): Promise<T>;
}

/** The inline and attached policy actions (Put/Get/List/Delete<Kind>Policy, Attach/Detach/ListAttached) of a holder kind. */
export function holderPolicyHandlers<T extends PolicyHolder>(h: HolderKind<T>): Record<string, IamHandler> {
  const k = h.kind;
  return {
    [`Put${k}Policy`]: async ({ params }, admin) => {
      const holder = h.name(params);
      const name = requiredName(params, "PolicyName");
      await h.require(admin.paths, holder);
      await putHolderPolicy(h.store(admin.paths), holder, name, requiredDocument(params));
      return undefined;
    },

    [`Get${k}Policy`]: async ({ params }, admin) => {
      const holder = h.name(params);
      const name = requiredName(params, "PolicyName");
      const document = await getHolderPolicy(h.store(admin.paths), holder, name);
      return `${el(`${k}Name`, holder)}${el("PolicyName", name)}${el("PolicyDocument", encodedDocument(document))}`;
    },

    [`List${k}Policies`]: async ({ params }, admin) => {
      const names = await listHolderPolicies(h.store(admin.paths), h.name(params));
      const page = paginate(names, (n) => n, params);
      return `<PolicyNames>${members(page.items.map(xmlEscape))}</PolicyNames>${page.tail}`;
    },

    [`Delete${k}Policy`]: async ({ params }, admin) => {
      const holder = h.name(params);
      await deleteHolderPolicy(h.store(admin.paths), holder, requiredName(params, "PolicyName"));
      return undefined;
    },

    [`Attach${k}Policy`]: async ({ params }, admin) => {
      const holder = h.name(params);
      const policy = requiredPolicyName(params, admin.account);
      await attachHolderPolicy(admin.paths, h.store(admin.paths), holder, policy);
      return undefined;
    },

    [`Detach${k}Policy`]: async ({ params }, admin) => {
      const holder = h.name(params);
      await detachHolderPolicy(h.store(admin.paths), holder, requiredPolicyName(params, admin.account));
      return undefined;
    },

    [`ListAttached${k}Policies`]: async ({ params }, admin) => {
      const holder = await h.require(admin.paths, h.name(params));
      const page = paginate([...holder.policies].sort(), (n) => n, params);
      return `<AttachedPolicies>${attachedPoliciesXml(page.items, admin.account)}</AttachedPolicies>${page.tail}`;
    },
  };
}
