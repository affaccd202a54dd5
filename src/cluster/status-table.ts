import type { HostReport } from "./host-probe.ts";

/** 42s, 5m03s, 1h02m, 3d04h. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** True when the whole pool can take traffic: every host answered and is ready. */
export function allReady(reports: HostReport[]): boolean {
  return reports.length > 0 && reports.every((r) => r.reachable && r.ready);
}

/** A table of hosts, one line each, then a summary line. */
export function renderStatusTable(reports: HostReport[]): string {
  const header = ["HOST", "REACHABLE", "READY", "VERSION", "UPTIME", "IN-FLIGHT", "ENCRYPTED", "NOTES"];
  const rows = reports.map((r) => [
    r.url,
    r.reachable ? "yes" : "no",
    r.ready ? "yes" : "no",
    r.version ?? "-",
    r.uptimeSeconds === null ? "-" : formatUptime(r.uptimeSeconds),
    r.inFlight === null ? "-" : String(r.inFlight),
    r.rootEncrypted === null ? "-" : r.rootEncrypted ? "yes" : "no",
    r.error ?? r.reasons.join("; "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const ready = reports.filter((r) => r.reachable && r.ready).length;
  const unreachable = reports.filter((r) => !r.reachable).length;
  const summary =
    `${reports.length} host${reports.length === 1 ? "" : "s"}: ${ready} ready` +
    (unreachable > 0 ? `, ${unreachable} unreachable` : "") +
    (reports.length - ready - unreachable > 0 ? `, ${reports.length - ready - unreachable} not ready` : "");
  return [line(header), ...rows.map(line), summary].join("\n");
}
