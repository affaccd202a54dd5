/** The host's STS session limit and audit webhook state, read from /_console/api/admin with an admin proof. */
import { adminProofBody } from "./admin-proof.ts";
import { errorText, h, replace } from "./dom.ts";
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

/** Refreshes with the cluster page; returns the node and its refresh function. */
export function hostSettingsView(session: SessionCredentials): { node: HTMLElement; refresh: () => void } {
  const sts = h("p", { id: "host-sts" });
  const webhook = h("p", { id: "host-webhook" });
  const spool = h("p", { id: "host-spool" });
  const refresh = () => {
    readSettings(session).then(
      (s) => {
        replace(sts, `STS maximum session duration: ${s.sts.maxDurationSeconds} s`);
        replace(webhook, describeWebhook(s.audit));
        replace(
          spool,
          `Audit spool on this host: ${s.audit.eventsPending} events waiting${s.audit.full ? " (full: new events dropped)" : ""}${s.audit.lastError ? `; last error: ${s.audit.lastError}` : ""}`,
        );
      },
      (e) => replace(sts, h("span", { class: "error" }, errorText(e))),
    );
  };
  return { node: h("div", { id: "host-settings" }, sts, webhook, spool), refresh };
}
