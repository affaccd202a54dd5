/**
 * Administration through the IAM Query API: users, their access keys (the secret is shown once,
 * when the key is made) and managed policies (built-in and custom; JSON checked before saving).
 */
import { confirmBox, errorText, h, replace } from "./dom.ts";
import { iamQuery, type SessionCredentials } from "./session.ts";
import { childText } from "./xml.ts";

const members = (doc: Document, wrapper: string) =>
  Array.from(doc.getElementsByTagName(wrapper)[0]?.children ?? []);

export function adminView(session: SessionCredentials): HTMLElement {
  const status = h("div", { id: "admin-status", class: "muted" });
  const users = h("div", { id: "users" });
  const policies = h("div", { id: "policies" });
  const fail = (e: unknown) => replace(status, h("span", { class: "error" }, errorText(e)));
  const userName = h("input", { type: "text", id: "new-user", placeholder: "user name" });

  let policyArns: { name: string; arn: string }[] = [];

  /** A user's attached managed policies, each with Detach, and a picker to attach another. */
  const policyCell = (user: string) => {
    const cell = h("td", { class: "user-policies", "data-user": user }, "…");
    const render = async () => {
      const doc = await iamQuery(session, { Action: "ListAttachedUserPolicies", UserName: user });
      const attached = members(doc, "AttachedPolicies").map((p) => ({
        name: childText(p, "PolicyName"),
        arn: childText(p, "PolicyArn"),
      }));
      const picker = h(
        "select",
        { class: "attach-select" },
        ...policyArns
          .filter((p) => !attached.some((a) => a.arn === p.arn))
          .map((p) => h("option", { value: p.arn }, p.name)),
      );
      const change = (params: Record<string, string>) =>
        iamQuery(session, { ...params, UserName: user }).then(render, fail);
      replace(
        cell,
        ...attached.map((p) =>
          h(
            "div",
            { class: "attached" },
            `${p.name} `,
            h(
              "button",
              { onclick: () => void change({ Action: "DetachUserPolicy", PolicyArn: p.arn }) },
              "Detach",
            ),
          ),
        ),
        h(
          "div",
          { class: "row" },
          picker,
          h(
            "button",
            {
              class: "attach",
              onclick: () =>
                picker.value && void change({ Action: "AttachUserPolicy", PolicyArn: picker.value }),
            },
            "Attach",
          ),
        ),
      );
    };
    render().catch(fail);
    return cell;
  };

  const loadUsers = async () => {
    const doc = await iamQuery(session, { Action: "ListUsers" });
    const rows: HTMLElement[] = [];
    for (const user of members(doc, "Users")) {
      const name = childText(user, "UserName");
      const keys =
        name === "root"
          ? []
          : members(
              await iamQuery(session, { Action: "ListAccessKeys", UserName: name }),
              "AccessKeyMetadata",
            );
      rows.push(
        h(
          "tr",
          { class: "user" },
          h("td", {}, name),
          name === "root" ? h("td", {}, "all") : policyCell(name),
          h(
            "td",
            {},
            ...keys.map((k) => {
              const id = childText(k, "AccessKeyId");
              const active = childText(k, "Status") === "Active";
              return h(
                "div",
                { class: "key" },
                `${id} (${active ? "active" : "inactive"}) `,
                h(
                  "button",
                  {
                    onclick: () =>
                      void act({
                        Action: "UpdateAccessKey",
                        UserName: name,
                        AccessKeyId: id,
                        Status: active ? "Inactive" : "Active",
                      }),
                  },
                  active ? "Disable" : "Enable",
                ),
                h(
                  "button",
                  {
                    class: "danger",
                    onclick: () =>
                      void confirmBox(`Delete the key ${id}?`, "Delete").then((ok) => {
                        if (ok) return act({ Action: "DeleteAccessKey", UserName: name, AccessKeyId: id });
                      }),
                  },
                  "Delete",
                ),
              );
            }),
          ),
          h(
            "td",
            {},
            name === "root"
              ? ""
              : h(
                  "div",
                  { class: "row" },
                  h("button", { class: "create-key", onclick: () => void createKey(name) }, "Create key"),
                  h(
                    "button",
                    {
                      class: "danger",
                      onclick: () =>
                        void confirmBox(`Delete the user ${name}?`, "Delete").then((ok) => {
                          if (ok) return act({ Action: "DeleteUser", UserName: name });
                        }),
                    },
                    "Delete user",
                  ),
                ),
          ),
        ),
      );
    }
    replace(
      users,
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h("tr", {}, h("th", {}, "User"), h("th", {}, "Policies"), h("th", {}, "Access keys"), h("th", {})),
        ),
        h("tbody", {}, ...rows),
      ),
    );
  };

  const loadPolicies = async () => {
    const [all, builtIn] = await Promise.all([
      iamQuery(session, { Action: "ListPolicies" }),
      iamQuery(session, { Action: "ListPolicies", Scope: "AWS" }),
    ]);
    const builtInArns = new Set(members(builtIn, "Policies").map((p) => childText(p, "Arn")));
    policyArns = members(all, "Policies").map((p) => ({
      name: childText(p, "PolicyName"),
      arn: childText(p, "Arn"),
    }));
    const shown = h("pre", { id: "policy-document", hidden: true });
    const show = async (arn: string) => {
      const version = await iamQuery(session, {
        Action: "GetPolicyVersion",
        PolicyArn: arn,
        VersionId: "v1",
      });
      const text = decodeURIComponent(childText(version, "Document"));
      shown.hidden = false;
      replace(shown, JSON.stringify(JSON.parse(text), null, 2));
    };
    replace(
      policies,
      h(
        "table",
        {},
        h(
          "tbody",
          {},
          ...policyArns.map((p) =>
            h(
              "tr",
              { class: "policy" },
              h("td", {}, p.name),
              h("td", { class: "muted" }, builtInArns.has(p.arn) ? "built-in" : "custom"),
              h(
                "td",
                {},
                h("button", { class: "policy-show", onclick: () => void show(p.arn).catch(fail) }, "Show"),
                builtInArns.has(p.arn)
                  ? null
                  : h(
                      "button",
                      {
                        class: "danger policy-delete",
                        onclick: () =>
                          void confirmBox(`Delete the policy ${p.name}?`, "Delete").then((ok) => {
                            if (ok)
                              return iamQuery(session, { Action: "DeletePolicy", PolicyArn: p.arn })
                                .then(loadPolicies)
                                .then(loadUsers)
                                .catch(fail);
                          }),
                      },
                      "Delete",
                    ),
              ),
            ),
          ),
        ),
      ),
      shown,
    );
  };

  const act = async (params: Record<string, string>) => {
    try {
      await iamQuery(session, params);
      await loadUsers();
    } catch (e) {
      fail(e);
    }
  };

  const createKey = async (name: string) => {
    try {
      const doc = await iamQuery(session, { Action: "CreateAccessKey", UserName: name });
      replace(
        status,
        h(
          "div",
          { id: "new-key" },
          "New key for ",
          name,
          " — the secret is shown only now: ",
          h("code", { id: "new-key-id" }, childText(doc, "AccessKeyId")),
          " ",
          h("code", { id: "new-key-secret" }, childText(doc, "SecretAccessKey")),
        ),
      );
      await loadUsers();
    } catch (e) {
      fail(e);
    }
  };

  const policyName = h("input", { type: "text", id: "policy-name", placeholder: "policy name" });
  const policyText = h(
    "textarea",
    { id: "policy-json" },
    JSON.stringify(
      {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::bucket/*"] }],
      },
      null,
      2,
    ),
  );
  const policyStatus = h("div", { id: "policy-status" });
  const savePolicy = async () => {
    let doc: { Statement?: unknown };
    try {
      doc = JSON.parse(policyText.value);
      if (!doc || typeof doc !== "object" || !doc.Statement)
        throw new Error("a policy is an object with a Statement");
    } catch (e) {
      replace(policyStatus, h("span", { class: "error" }, `Not saved: ${errorText(e)}`));
      return;
    }
    try {
      await iamQuery(session, {
        Action: "CreatePolicy",
        PolicyName: policyName.value.trim(),
        PolicyDocument: JSON.stringify(doc),
      });
      replace(policyStatus, h("span", { class: "ok" }, "Saved."));
      await loadPolicies();
      await loadUsers();
    } catch (e) {
      replace(policyStatus, h("span", { class: "error" }, errorText(e)));
    }
  };

  // Policies first: each user row offers them for attaching.
  void loadPolicies().then(loadUsers).catch(fail);
  return h(
    "div",
    {},
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Users and access keys"),
      h(
        "div",
        { class: "row" },
        userName,
        h(
          "button",
          {
            id: "create-user",
            class: "primary",
            onclick: () =>
              void act({ Action: "CreateUser", UserName: userName.value.trim() }).then(() => {
                userName.value = "";
              }),
          },
          "Create user",
        ),
      ),
      status,
      users,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Policies"),
      policies,
      h("h2", {}, "New custom policy"),
      h(
        "div",
        { class: "row" },
        policyName,
        h("button", { id: "policy-save", onclick: () => void savePolicy() }, "Validate and save"),
      ),
      policyText,
      policyStatus,
    ),
  );
}
