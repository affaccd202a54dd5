import { type ClusterHost, hostUrl } from "./host-address.ts";

/** What `cluster status` learned about one host. */
export interface HostReport {
  address: string;
  url: string;
  /** The host answered HTTP at all. */
  reachable: boolean;
  /** /health/ready answered 200. */
  ready: boolean;
  /** Why the host is not ready, as it says itself. */
  reasons: string[];
  /** Why the host could not be asked (connection refused, timeout…); null when it answered. */
  error: string | null;
  /** The name the host gives itself on /health/status. */
  host: string | null;
  version: string | null;
  startedAt: string | null;
  uptimeSeconds: number | null;
  inFlight: number | null;
  rootEncrypted: boolean | null;
  /** The root format features the host reads; null when it does not say (an earlier version). */
  formatFeatures: string[] | null;
}

type Answer = { status: number; body: Record<string, unknown> | undefined } | { error: string };

const failures: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ConnectionRefused: "connection refused",
  ENOTFOUND: "host name not found",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "no route to host",
};

async function ask(url: string, timeoutMs: number): Promise<Answer> {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
      redirect: "manual",
    });
    const text = await response.text();
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  } catch (e) {
    const error = e as Error & { code?: string };
    if (error.name === "TimeoutError" || error.name === "AbortError")
      return { error: `no answer within ${timeoutMs} ms` };
    const known = error.code ? failures[error.code] : undefined;
    return {
      error:
        known ??
        (error.code && !error.message.includes(error.code)
          ? `${error.code}: ${error.message}`
          : error.message),
    };
  }
}

const text = (value: unknown) => (typeof value === "string" ? value : null);
const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);
const strings = (value: unknown) =>
  Array.isArray(value) ? value.filter((x): x is string => typeof x === "string") : [];

/** Asks one host for /health/ready and /health/status at once, each bounded by timeoutMs. */
export async function probeHost(host: ClusterHost, timeoutMs: number): Promise<HostReport> {
  const url = hostUrl(host);
  const [ready, status] = await Promise.all([
    ask(`${url}/health/ready`, timeoutMs),
    ask(`${url}/health/status`, timeoutMs),
  ]);
  const info = "status" in status && status.status === 200 ? status.body : undefined;
  const report: HostReport = {
    address: host.address,
    url,
    reachable: "status" in ready || "status" in status,
    ready: "status" in ready && ready.status === 200,
    reasons: [],
    error: null,
    host: text(info?.host),
    version: text(info?.version),
    startedAt: text(info?.startedAt),
    uptimeSeconds: count(info?.uptimeSeconds),
    inFlight: count(info?.inFlight),
    rootEncrypted: typeof info?.rootEncrypted === "boolean" ? info.rootEncrypted : null,
    formatFeatures: Array.isArray(info?.formatFeatures) ? strings(info.formatFeatures) : null,
  };
  if ("error" in ready) {
    report.error = ready.error;
  } else if (!report.ready) {
    const reasons = strings(ready.body?.reasons);
    report.reasons = reasons.length > 0 ? reasons : strings(info?.reasons);
    if (report.reasons.length === 0) report.reasons = [`/health/ready answered ${ready.status}`];
  }
  return report;
}

/** Probes every host concurrently; the whole call takes about timeoutMs at most. */
export async function probeHosts(hosts: ClusterHost[], timeoutMs: number): Promise<HostReport[]> {
  return await Promise.all(hosts.map((host) => probeHost(host, timeoutMs)));
}
