/** The bucket list: open, create and delete buckets. */
import { confirmBox, errorText, formatBytes, h, replace } from "./dom.ts";
import { bucketUsage, listBuckets, objectUrl, s3 } from "./s3.ts";
import type { SessionCredentials } from "./session.ts";

export function bucketsView(session: SessionCredentials): HTMLElement {
  const status = h("div", { id: "buckets-status", class: "muted" });
  const body = h("tbody", {});
  const name = h("input", { type: "text", id: "new-bucket", placeholder: "new-bucket-name" });
  const load = async () => {
    try {
      const buckets = await listBuckets(session);
      replace(
        body,
        ...buckets.map((b) =>
          h(
            "tr",
            { class: "bucket" },
            h("td", {}, h("a", { href: `#/b/${encodeURIComponent(b.name)}/`, class: "bucket-link" }, b.name)),
            h("td", {}, new Date(b.created).toLocaleString()),
            usageCell(b.name),
            h(
              "td",
              {},
              h("button", { class: "danger bucket-delete", onclick: () => void remove(b.name) }, "Delete"),
            ),
          ),
        ),
      );
      replace(status, `${buckets.length} bucket(s)`);
    } catch (e) {
      replace(status, h("span", { class: "error" }, errorText(e)));
    }
  };
  const usageCell = (bucket: string) => {
    const cell = h("td", { class: "usage", "data-bucket": bucket }, "…");
    bucketUsage(session, bucket).then(
      (u) =>
        replace(cell, u.hard === null ? "no quota" : `${formatBytes(u.used ?? 0)} / ${formatBytes(u.hard)}`),
      () => replace(cell, "—"),
    );
    return cell;
  };
  const create = async () => {
    try {
      await s3(session, "PUT", objectUrl(name.value.trim()));
      name.value = "";
      await load();
    } catch (e) {
      replace(status, h("span", { class: "error" }, errorText(e)));
    }
  };
  const remove = async (bucket: string) => {
    if (!(await confirmBox(`Delete the bucket ${bucket}? It must be empty.`, "Delete"))) return;
    try {
      await s3(session, "DELETE", objectUrl(bucket));
      await load();
    } catch (e) {
      replace(status, h("span", { class: "error" }, errorText(e)));
    }
  };
  void load();
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "Buckets"),
    h(
      "div",
      { class: "row" },
      name,
      h("button", { id: "create-bucket", class: "primary", onclick: () => void create() }, "Create bucket"),
    ),
    status,
    h(
      "table",
      { id: "buckets" },
      h(
        "thead",
        {},
        h("tr", {}, h("th", {}, "Name"), h("th", {}, "Created"), h("th", {}, "Used / quota"), h("th", {})),
      ),
      body,
    ),
  );
}
