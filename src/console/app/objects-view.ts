/**
 * One bucket: folders and objects of the current prefix a page at a time (continuation tokens,
 * never the whole bucket), search by prefix, sort within the page, multi-select delete, object
 * details, download and share links, uploads and the bucket's anonymous preset.
 */
import { confirmBox, count, errorText, formatBytes, h, replace } from "./dom.ts";
import { objectTable, type SortKey } from "./object-table.ts";
import { presetCard } from "./presets.ts";
import { deleteObjects, type Listing, listPage, objectUrl, presignGet, s3, s3Xml } from "./s3.ts";
import type { SessionCredentials } from "./session.ts";
import { uploadPanel } from "./upload.ts";
import { children, childText } from "./xml.ts";

export function objectsView(
  session: SessionCredentials,
  bucket: string,
  prefix: string,
  go: (hash: string) => void,
): HTMLElement {
  const hashOf = (p: string) => `#/b/${encodeURIComponent(bucket)}/${encodeURIComponent(p)}`;
  const tokens: (string | undefined)[] = [undefined];
  let page = 0;
  let listing: Listing | undefined;
  let sort: { key: SortKey; up: boolean } = { key: "name", up: true };
  const status = h("div", { id: "objects-status", class: "muted" });
  const details = h("div", { id: "details" });
  const search = h("input", { type: "search", id: "search", placeholder: "Search by prefix" });
  const pageSize = h(
    "select",
    { id: "page-size" },
    ...[50, 100, 500, 1000].map((n) => h("option", { value: n }, `${n} a page`)),
  );
  pageSize.value = "100";
  const deleteButton = h(
    "button",
    { class: "danger", id: "delete-selected", disabled: true, onclick: () => void removeSelected() },
    "Delete selected",
  );
  const prev = h("button", { id: "page-prev", onclick: () => void load(page - 1) }, "Previous");
  const next = h("button", { id: "page-next", onclick: () => void load(page + 1) }, "Next");

  /** Numbers each listing asked for: an answer to an older one (a search typed on) is dropped. */
  let latestLoad = 0;
  const load = async (target: number) => {
    const thisLoad = ++latestLoad;
    replace(status, "Loading…");
    try {
      const answer = await listPage(
        session,
        bucket,
        prefix + search.value,
        Number(pageSize.value),
        tokens[target],
      );
      if (thisLoad !== latestLoad) return;
      listing = answer;
      page = target;
      tokens[page + 1] = listing.nextToken;
      tokens.length = page + 2;
      render();
      replace(
        status,
        `Page ${page + 1}: ${count(listing.folders.length, "folder")}, ${count(listing.objects.length, "object")}${listing.nextToken ? ", more on the next page" : ""}`,
      );
    } catch (e) {
      if (thisLoad === latestLoad) replace(status, h("span", { class: "error" }, errorText(e)));
    }
  };

  const sorted = () => {
    const objects = [...(listing?.objects ?? [])];
    const by: Record<SortKey, (a: (typeof objects)[0], b: (typeof objects)[0]) => number> = {
      name: (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
      size: (a, b) => a.size - b.size,
      date: (a, b) => a.lastModified.localeCompare(b.lastModified),
    };
    objects.sort(by[sort.key]);
    if (!sort.up) objects.reverse();
    return objects;
  };

  const rows = objectTable({
    prefix,
    hrefOf: hashOf,
    open: (key) => void showDetails(key),
    onSort: (key) => {
      sort = { key, up: sort.key === key ? !sort.up : true };
      render();
    },
    onSelection: (count) => {
      deleteButton.disabled = count === 0;
    },
  });
  const { selected } = rows;

  /** Builds the page's rows; timed as "s3dir:render-objects" (visible in the browser's performance tools). */
  const render = () => {
    const started = performance.now();
    prev.disabled = page === 0;
    next.disabled = !tokens[page + 1];
    const objects = sorted();
    rows.render(listing, objects, sort);
    performance.measure("s3dir:render-objects", {
      start: started,
      detail: (listing?.folders.length ?? 0) + objects.length,
    });
  };

  const removeSelected = async () => {
    const keys = [...selected];
    if (
      !(await confirmBox(`Delete ${keys.length} object(s) from ${bucket}? This cannot be undone.`, "Delete"))
    )
      return;
    try {
      const failed = await deleteObjects(session, bucket, keys);
      await load(page);
      if (failed.length) replace(status, h("span", { class: "error" }, `Not deleted: ${failed.join(", ")}`));
    } catch (e) {
      replace(status, h("span", { class: "error" }, errorText(e)));
    }
  };

  const showDetails = async (key: string) => {
    replace(details, h("p", { class: "muted" }, "Loading…"));
    try {
      const head = await s3(session, "HEAD", objectUrl(bucket, key));
      const meta: [string, string][] = [];
      head.headers.forEach((value, name) => {
        if (name.startsWith("x-amz-meta-")) meta.push([name.slice("x-amz-meta-".length), value]);
      });
      const tags = await s3Xml(session, "GET", objectUrl(bucket, key, "tagging=")).then(
        (root) =>
          Array.from(root.getElementsByTagName("Tag")).map((t) => [
            childText(t, "Key"),
            childText(t, "Value"),
          ]),
        () => [] as string[][],
      );
      const versions = await s3Xml(
        session,
        "GET",
        objectUrl(bucket, "", `versions=&prefix=${encodeURIComponent(key)}`),
      ).then(
        (root) =>
          children(root, "Version")
            .filter((v) => childText(v, "Key") === key)
            .map(
              (v) =>
                `${childText(v, "VersionId")}${childText(v, "IsLatest") === "true" ? " (latest)" : ""} · ${childText(v, "Size")} B · ${childText(v, "LastModified")}`,
            ),
        () => [] as string[],
      );
      const expiry = h(
        "select",
        { id: "share-expiry" },
        ...[
          [900, "15 minutes"],
          [3600, "1 hour"],
          [86400, "1 day"],
          [604800, "7 days"],
        ].map(([s, label]) => h("option", { value: s }, label)),
      );
      expiry.value = "3600";
      const shareOut = h("div", { id: "share-out" });
      const share = async () => {
        const wanted = Number(expiry.value);
        const { url, expires } = await presignGet(session, bucket, key, wanted);
        const sessionEnd = new Date(session.expiration);
        const until = expires < sessionEnd ? expires : sessionEnd;
        const field = h("input", { type: "text", id: "share-url", readonly: true, value: url, size: 60 });
        replace(
          shareOut,
          h(
            "div",
            { class: "row" },
            field,
            h(
              "button",
              {
                id: "share-copy",
                onclick: async () => {
                  await navigator.clipboard.writeText(url).catch(() => field.select());
                },
              },
              "Copy",
            ),
          ),
          h(
            "p",
            { id: "share-expires" },
            `Valid until ${until.toISOString()} (${until.toLocaleString()})`,
            until < expires ? " — the end of this console session, whose credentials sign the link" : "",
          ),
        );
      };
      const download = async () => {
        const { url } = await presignGet(session, bucket, key, 300);
        const a = h("a", { href: url, download: key.split("/").pop() ?? "download" });
        document.body.appendChild(a);
        a.click();
        a.remove();
      };
      const field = (name: string) => head.headers.get(name) ?? "—";
      replace(
        details,
        h(
          "section",
          { class: "card", id: "object-details" },
          h("h2", {}, key),
          h(
            "dl",
            {},
            h("dt", {}, "Size"),
            h(
              "dd",
              { id: "detail-size" },
              `${formatBytes(Number(field("content-length")))} (${field("content-length")} bytes)`,
            ),
            h("dt", {}, "ETag"),
            h("dd", { id: "detail-etag" }, field("etag")),
            h("dt", {}, "Type"),
            h("dd", {}, field("content-type")),
            h("dt", {}, "Modified"),
            h("dd", {}, field("last-modified")),
            h("dt", {}, "Encryption"),
            h("dd", {}, field("x-amz-server-side-encryption")),
            h("dt", {}, "Metadata"),
            h(
              "dd",
              { id: "detail-meta" },
              ...(meta.length ? meta.map(([n, v]) => h("div", {}, `${n}: ${v}`)) : ["—"]),
            ),
            h("dt", {}, "Tags"),
            h("dd", {}, ...(tags.length ? tags.map(([n, v]) => h("div", {}, `${n} = ${v}`)) : ["—"])),
            h("dt", {}, "Versions"),
            h("dd", {}, ...(versions.length ? versions.map((v) => h("div", {}, v)) : ["—"])),
          ),
          h(
            "div",
            { class: "row" },
            h("button", { id: "download", onclick: () => void download() }, "Download"),
            "Share for ",
            expiry,
            h(
              "button",
              {
                id: "share",
                class: "primary",
                onclick: () =>
                  void share().catch((e) => replace(shareOut, h("span", { class: "error" }, errorText(e)))),
              },
              "Create link",
            ),
          ),
          shareOut,
        ),
      );
    } catch (e) {
      replace(details, h("p", { class: "error" }, errorText(e)));
    }
  };

  search.addEventListener("input", () => {
    tokens.length = 1;
    void load(0);
  });
  pageSize.addEventListener("change", () => {
    tokens.length = 1;
    void load(0);
  });
  const crumbs = h(
    "div",
    { class: "crumbs" },
    h("a", { href: "#/" }, "Buckets"),
    " / ",
    h("a", { href: hashOf("") }, bucket),
  );
  let walked = "";
  for (const part of prefix.split("/").filter(Boolean)) {
    walked += `${part}/`;
    crumbs.append(" / ", h("a", { href: hashOf(walked) }, part));
  }
  void load(0);
  void go;
  return h(
    "div",
    {},
    h(
      "section",
      { class: "card" },
      crumbs,
      h("div", { class: "row" }, search, pageSize, deleteButton, prev, next),
      status,
      rows.table,
    ),
    details,
    uploadPanel(session, bucket, prefix, () => void load(page)),
    presetCard(session, bucket),
  );
}
