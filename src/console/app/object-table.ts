/**
 * The table of a listing's folders and objects, built to stay cheap at 1,000 rows: rows are cloned
 * from one template and filled with text, one listener on the table serves every checkbox and
 * name (no handler per row), and groups of rows off screen are neither styled, laid out nor
 * painted (`content-visibility: auto` in console.css) yet stay in the document: focusable, found by the
 * browser's search and read by screen readers. Selection: each row's checkbox, Shift+click for a
 * range, and the header's checkbox for the whole page.
 */
import { formatBytes, h, replace } from "./dom.ts";
import type { Listing } from "./s3.ts";

export type SortKey = "name" | "size" | "date";

export interface ObjectTable {
  table: HTMLTableElement;
  /** Keys checked on the page shown. */
  selected: Set<string>;
  render(
    listing: Listing | undefined,
    objects: Listing["objects"],
    sort: { key: SortKey; up: boolean },
  ): void;
}

/** One formatter for every row (`toLocaleString` would make one per call). */
let dates: Intl.DateTimeFormat | undefined;
const dateOf = (iso: string) => {
  dates ??= new Intl.DateTimeFormat(undefined, {
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  return dates.format(new Date(iso));
};

/**
 * Object rows go in groups of this many, each group skipped as a whole while off screen: the
 * browser then tracks 20 groups for a page of 1,000 keys instead of 1,000 rows.
 */
const rowsPerChunk = 50;
/** A one-line row's height (console.css), the size a group is given until it was laid out once. */
const rowHeightPx = 33.5;

let objectTemplate: HTMLTableRowElement | undefined;
const objectRowTemplate = () => {
  objectTemplate ??= h(
    "tr",
    { class: "object", role: "row" },
    h("td", { role: "cell" }, h("input", { type: "checkbox", class: "select" })),
    h("td", { role: "cell" }, h("button", { class: "object-link link" })),
    h("td", { role: "cell" }),
    h("td", { role: "cell" }),
  );
  return objectTemplate;
};

export function objectTable(options: {
  prefix: string;
  hrefOf: (folder: string) => string;
  open: (key: string) => void;
  onSort: (key: SortKey) => void;
  onSelection: (count: number) => void;
}): ObjectTable {
  const { prefix } = options;
  const table = h("table", { id: "objects" });
  const selected = new Set<string>();
  /** The keys of the object rows, in the order shown; a row's `data-i` is its index here. */
  let keys: string[] = [];
  let boxes: HTMLInputElement[] = [];
  let lastClicked = -1;
  const selectAll = h("input", { type: "checkbox", id: "select-all", "aria-label": "Select every object" });

  const indexOf = (node: Element) => Number(node.closest("tr")?.dataset.i ?? "-1");
  const changed = () => {
    selectAll.checked = keys.length > 0 && selected.size === keys.length;
    selectAll.indeterminate = selected.size > 0 && selected.size < keys.length;
    options.onSelection(selected.size);
  };
  const check = (i: number, on: boolean) => {
    boxes[i]!.checked = on;
    on ? selected.add(keys[i]!) : selected.delete(keys[i]!);
  };

  table.addEventListener("click", (event) => {
    const target = event.target as HTMLElement;
    if (target === selectAll) {
      for (let i = 0; i < keys.length; i++) check(i, selectAll.checked);
      lastClicked = -1;
      changed();
      return;
    }
    const i = indexOf(target);
    if (i < 0) return;
    if (target.classList.contains("select")) {
      const on = (target as HTMLInputElement).checked;
      if ((event as MouseEvent).shiftKey && lastClicked >= 0) {
        const [from, to] = lastClicked < i ? [lastClicked, i] : [i, lastClicked];
        for (let j = from; j <= to; j++) check(j, on);
      } else {
        check(i, on);
      }
      lastClicked = i;
      changed();
    } else if (target.closest(".object-link")) {
      options.open(keys[i]!);
    }
  });

  const header = (label: string, key: SortKey, sort: { key: SortKey; up: boolean }) =>
    h(
      "th",
      { role: "columnheader" },
      h(
        "button",
        { class: `sort-${key}`, onclick: () => options.onSort(key) },
        label,
        sort.key === key ? (sort.up ? " ▲" : " ▼") : "",
      ),
    );

  const render: ObjectTable["render"] = (listing, objects, sort) => {
    selected.clear();
    lastClicked = -1;
    keys = objects.map((o) => o.key);
    boxes = [];
    const folders = h("tbody", { role: "rowgroup" });
    for (const folder of listing?.folders ?? []) {
      folders.append(
        h(
          "tr",
          { class: "folder", role: "row" },
          h("td", { role: "cell" }),
          h(
            "td",
            { role: "cell" },
            h("a", { href: options.hrefOf(folder), class: "folder-link" }, folder.slice(prefix.length)),
          ),
          h("td", { role: "cell" }),
          h("td", { role: "cell" }),
        ),
      );
    }
    const template = objectRowTemplate();
    const chunks: HTMLTableSectionElement[] = [];
    let body = folders;
    for (let i = 0; i < objects.length; i++) {
      if (i % rowsPerChunk === 0) {
        body = h("tbody", { role: "rowgroup", class: "chunk" });
        const rows = Math.min(rowsPerChunk, objects.length - i);
        body.style.containIntrinsicSize = `auto ${rows * rowHeightPx}px`;
        chunks.push(body);
      }
      const o = objects[i]!;
      const row = template.cloneNode(true) as HTMLTableRowElement;
      row.dataset.i = String(i);
      const [boxCell, nameCell, sizeCell, dateCell] = row.cells as unknown as HTMLTableCellElement[];
      const box = boxCell!.firstChild as HTMLInputElement;
      const label = o.key.slice(prefix.length);
      box.setAttribute("aria-label", `Select ${label}`);
      boxes.push(box);
      nameCell!.firstChild!.textContent = label;
      sizeCell!.textContent = formatBytes(o.size);
      dateCell!.textContent = dateOf(o.lastModified);
      body.append(row);
    }
    selectAll.checked = false;
    selectAll.indeterminate = false;
    selectAll.disabled = objects.length === 0;
    replace(
      table,
      h(
        "thead",
        { role: "rowgroup" },
        h(
          "tr",
          { role: "row" },
          h("th", { role: "columnheader" }, selectAll),
          header("Name", "name", sort),
          header("Size", "size", sort),
          header("Modified", "date", sort),
        ),
      ),
      folders,
      ...chunks,
    );
    options.onSelection(0);
  };

  table.setAttribute("role", "table");
  return { table, selected, render };
}
