/**
 * What the console's cluster page shows: every host of the cluster file (src/cluster/) as its
 * health endpoints describe it, or this host alone when no cluster is defined, and the root's
 * free space (one shared filesystem, so one number). The same facts /health/status gives to
 * anyone, gathered because a page cannot ask other origins.
 */
import { statfs } from "node:fs/promises";
import { readCluster } from "../../cluster/cluster-file.ts";
import { type HostReport, probeHosts } from "../../cluster/host-probe.ts";
import type { HostStatus } from "../../s3/health.ts";

export interface ClusterView {
  hosts: HostReport[];
  root: { freeBytes: number; totalBytes: number } | null;
  checkedAt: string;
}

export interface ClusterSources {
  root: string;
  /** This host as a cluster member would report it (used when there is no cluster file). */
  self(): Promise<HostReport>;
  probeTimeoutMs?: number;
}

export async function clusterView(sources: ClusterSources): Promise<ClusterView> {
  const [cluster, space] = await Promise.all([
    readCluster(sources.root).catch(() => undefined),
    statfs(sources.root).catch(() => undefined),
  ]);
  const hosts = cluster
    ? await probeHosts(cluster.hosts, sources.probeTimeoutMs ?? 1500)
    : [await sources.self()];
  return {
    hosts,
    root: space
      ? {
          freeBytes: Number(space.bavail) * Number(space.bsize),
          totalBytes: Number(space.blocks) * Number(space.bsize),
        }
      : null,
    checkedAt: new Date().toISOString(),
  };
}

/** This host's own status in the shape of a probe's report. */
export function selfReport(status: HostStatus): HostReport {
  return {
    address: status.host,
    url: "",
    reachable: true,
    ready: status.ready,
    reasons: status.reasons,
    error: null,
    host: status.host,
    version: status.version,
    startedAt: status.startedAt,
    uptimeSeconds: status.uptimeSeconds,
    inFlight: status.inFlight,
    rootEncrypted: status.rootEncrypted,
    formatFeatures: status.formatFeatures,
  };
}
