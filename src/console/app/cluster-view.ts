/** The cluster page: every host's health, refreshed every two seconds while the page is shown. */
import { errorText, formatBytes, h, replace } from "./dom.ts";
import { hostSettingsView } from "./host-settings-view.ts";
import type { SessionCredentials } from "./session.ts";

interface HostReport {
  address: string;
  ready: boolean;
  reachable: boolean;
  reasons: string[];
  error: string | null;
  version: string | null;
  uptimeSeconds: number | null;
  inFlight: number | null;
}

interface ClusterView {
  hosts: HostReport[];
  root: { freeBytes: number; totalBytes: number } | null;
  checkedAt: string;
}

function uptime(seconds: number | null): string {
  if (seconds === null) return "—";
  const d = Math.floor(seconds / 86400);
  const hh = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d ? `${d}d ${hh}h` : hh ? `${hh}h ${m}m` : `${m}m ${seconds % 60}s`;
}

export function clusterView(session: SessionCredentials): { node: HTMLElement; stop: () => void } {
  const settings = hostSettingsView(session);
  const body = h("tbody", {});
  const space = h("p", { id: "cluster-space" });
  const checked = h("p", { class: "muted" });
  const refresh = async () => {
    settings.refresh();
    try {
      const view = (await (
        await fetch("/_console/api/cluster", { cache: "no-store" })
      ).json()) as ClusterView;
      replace(
        body,
        ...view.hosts.map((host) =>
          h(
            "tr",
            { class: "cluster-host" },
            h("td", {}, host.address),
            h(
              "td",
              { class: host.ready ? "ready" : "notready" },
              host.ready ? "ready" : (host.error ?? (host.reasons.join("; ") || "not ready")),
            ),
            h("td", {}, host.version ?? "—"),
            h("td", {}, uptime(host.uptimeSeconds)),
            h("td", {}, host.inFlight ?? "—"),
          ),
        ),
      );
      replace(
        space,
        view.root
          ? `Root: ${formatBytes(view.root.freeBytes)} free of ${formatBytes(view.root.totalBytes)}`
          : "Root: free space unknown",
      );
      replace(checked, `Checked ${new Date(view.checkedAt).toLocaleTimeString()}`);
    } catch (e) {
      replace(checked, h("span", { class: "error" }, errorText(e)));
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), 2000);
  const node = h(
    "section",
    { class: "card" },
    h("h2", {}, "Cluster"),
    space,
    settings.node,
    h(
      "table",
      { id: "cluster" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Host"),
          h("th", {}, "State"),
          h("th", {}, "Version"),
          h("th", {}, "Uptime"),
          h("th", {}, "In flight"),
        ),
      ),
      body,
    ),
    checked,
    settings.spools,
  );
  return { node, stop: () => clearInterval(timer) };
}
