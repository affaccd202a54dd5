import { formatFeatures } from "../runtime/root-format-file.ts";
import { type LoadScore, loadScore } from "./load-score.ts";

/** What a host says about itself on /health/status (and, in short, /health/ready). */
export interface HostStatus {
  host: string;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  inFlight: number;
  ready: boolean;
  reasons: string[];
  /** Whether the root sits on an encrypted filesystem; null when not checked. */
  rootEncrypted: boolean | null;
  /** The root format features this host reads (`s3dir format` asks before turning one on). */
  formatFeatures: string[];
}

export interface HealthSources {
  host: string;
  version: string;
  startedAt: Date;
  shuttingDown(): boolean;
  inFlight(): number;
  /** Above this many requests in flight the host reports itself overloaded. */
  maxInFlight: number;
  rootProblems(): string[];
  rootEncrypted?: () => boolean | null;
  /** Resident memory and its limit, for the load score; absent: the score counts requests only. */
  memory?: () => { used: number; limit: number };
}

/** The load score of the host now (load-score.ts). */
export function hostScore(s: HealthSources): LoadScore {
  return loadScore(s.inFlight(), s.maxInFlight, s.memory?.());
}

export function hostStatus(s: HealthSources): HostStatus {
  const reasons: string[] = [];
  if (s.shuttingDown()) reasons.push("shutting down");
  reasons.push(...s.rootProblems());
  const inFlight = s.inFlight();
  if (inFlight > s.maxInFlight)
    reasons.push(`overloaded: ${inFlight} requests in flight (limit ${s.maxInFlight})`);
  return {
    host: s.host,
    version: s.version,
    startedAt: s.startedAt.toISOString(),
    uptimeSeconds: Math.floor((Date.now() - s.startedAt.getTime()) / 1000),
    inFlight,
    ready: reasons.length === 0,
    reasons,
    rootEncrypted: s.rootEncrypted?.() ?? null,
    formatFeatures: [...formatFeatures],
  };
}
