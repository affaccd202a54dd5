/**
 * The host's STS session limit and audit webhook state, and every host's audit spool backlog, read
 * from /_console/api/admin with an admin proof.
 */
import { adminProofBody } from "./admin-proof.ts";
import { errorText, formatBytes, h, replace } from "./dom.ts";
import { clientFor, type SessionCredentials } from "./session.ts";

interface AdminSettings {
  sts: { maxDurationSeconds: number };
  audit: {
    enabled: boolean;
    url: string | null;
    format: string | null;
    layout: string | null;
    batch: { count: number; maxBytes: number | null; flushIntervalMs: number } | null;
    eventsPending: number;
    full: boolean;
    lastError: string | null;
    spools: { spool: string; own: boolean; bytesPending: number; lastChange: string | null }[];
  };
}

async function readSettings(session: SessionCredentials): Promise<AdminSettings> {
  const signed = await clientFor(session, "iam").sign(`${location.origin}/?X-Amz-Expires=60`, {
    method: "POST",
    body: adminProofBody,
    aws: { signQuery: true },
  });
  const res = await fetch("/_console/api/admin", {
    cache: "no-store",
    headers: { "x-s3dir-proof": new URL(signed.url).search },
  });
  if (!res.ok) throw new Error(`host settings: HTTP ${res.status}`);
  return (await res.json()) as AdminSettings;
}

function describeWebhook(a: AdminSettings["audit"]): string {
  if (!a.enabled) return "Audit webhook: disabled";
  const batch = a.batch
    ? `, batches of ${a.batch.count} events${a.batch.maxBytes ? ` / ${a.batch.maxBytes} bytes` : ""} every ${a.batch.flushIntervalMs} ms`
    : "";
  return `Audit webhook: enabled, ${a.url} (${a.format}, ${a.layout} layout${batch})`;
}

function spoolRows(spools: AdminSettings["audit"]["spools"]): HTMLElement[] {
  if (spools.length === 0) return [h("tr", {}, h("td", { colspan: "3" }, "No host has spooled events."))];
  return spools.map((s) =>
    h(
      "tr",
      { class: "audit-spool" },
      h("td", {}, s.own ? `${s.spool} (this host)` : s.spool),
      h("td", {}, formatBytes(s.bytesPending)),
      h("td", {}, s.lastChange ? new Date(s.lastChange).toLocaleString() : "—"),
    ),
  );
}

/** Refreshes with the cluster page; returns the nodes and their refresh function. */
export function hostSettingsView(session: SessionCredentials): {
  node: HTMLElement;
  /** Every host's spool backlog, a table of its own. */
  spools: HTMLElement;
  refresh: () => void;
} {
  const sts = h("p", { id: "host-sts" });
  const webhook = h("p", { id: "host-webhook" });
  const spool = h("p", { id: "host-spool" });
  const spools = h("tbody", {});
  const refresh = () => {
    readSettings(session).then(
      (s) => {
        replace(sts, `STS maximum session duration: ${s.sts.maxDurationSeconds} s`);
        replace(webhook, describeWebhook(s.audit));
        replace(
          spool,
          `Audit spool on this host: ${s.audit.eventsPending} events waiting${s.audit.full ? " (full: new events dropped)" : ""}${s.audit.lastError ? `; last error: ${s.audit.lastError}` : ""}`,
        );
        replace(spools, ...spoolRows(s.audit.spools));
      },
      (e) => replace(sts, h("span", { class: "error" }, errorText(e))),
    );
  };
  const table = h(
    "table",
    { id: "audit-spools" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Audit spool (host id)"),
        h("th", {}, "Not yet delivered"),
        h("th", {}, "Last change"),
      ),
    ),
    spools,
  );
  return {
    node: h("div", { id: "host-settings" }, sts, webhook, spool),
    spools: h("div", {}, h("h3", {}, "Audit spools"), table),
    refresh,
  };
}
