/**
 * The worker's configuration, read from its environment: plain variables (wrangler.toml `[vars]`)
 * and secrets (`wrangler secret put`). Web-standard only.
 */
import type { TokenKey } from "../auth/session-token.ts";

/** What the worker is given by workerd / Cloudflare. */
export interface EdgeEnv {
  /** Origin hosts, tried in turn: "http://10.0.0.1:9000 http://10.0.0.2:9000" (spaces or commas). */
  ORIGINS?: string;
  /** The region the hosts answer for (default us-east-1). */
  REGION?: string;
  /** The hosts' `--domain`s, for virtual-hosted-style requests (bucket.DOMAIN), spaces or commas. */
  DOMAINS?: string;
  /** Signed requests whose key the edge cannot check: "forward" to the origin (default) or "refuse". */
  UNKNOWN_KEYS?: string;
  /** Seconds a cached object may be served when the origin sent no Cache-Control (default 60). */
  CACHE_SECONDS?: string;
  /** Seconds the origin's answer to one principal for one object is reused (default 60). */
  GRANT_SECONDS?: string;
  /** Seconds a fetched bucket policy is reused for anonymous requests (default 30). */
  POLICY_SECONDS?: string;
  /** Seconds an origin that failed is skipped (default 10). */
  ORIGIN_RETRY_SECONDS?: string;
  /** Secret: the STS token keys, as `<root>/.s3dir/sts/token-keys.json` holds them. */
  TOKEN_KEYS?: string;
  /** Secret: long-term keys the edge verifies itself, `{"AKID": "secret", …}`. */
  EDGE_KEYS?: string;
  /** Secret: a key allowed s3:GetBucketPolicy, `{"accessKeyId": …, "secretAccessKey": …}`. */
  POLICY_READER?: string;
}

export interface PolicyReader {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface EdgeConfig {
  origins: string[];
  region: string;
  /** Lower-case base domains of virtual-hosted-style requests, as the hosts' `--domain`. */
  domains: string[];
  unknownKeys: "forward" | "refuse";
  cacheSeconds: number;
  grantSeconds: number;
  policySeconds: number;
  originRetryMs: number;
  tokenKeys: Map<string, TokenKey>;
  edgeKeys: Map<string, string>;
  policyReader?: PolicyReader;
}

const parsed = new WeakMap<object, EdgeConfig>();

/** Parses the environment once per isolate (the env object is stable between requests). */
export function edgeConfig(env: EdgeEnv): EdgeConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const config: EdgeConfig = {
    origins: (env.ORIGINS ?? "")
      .split(/[\s,]+/)
      .filter((o) => o !== "")
      .map((o) => o.replace(/\/+$/, "")),
    region: env.REGION || "us-east-1",
    domains: (env.DOMAINS ?? "")
      .split(/[\s,]+/)
      .filter((d) => d !== "")
      .map((d) => d.toLowerCase()),
    unknownKeys: env.UNKNOWN_KEYS === "refuse" ? "refuse" : "forward",
    cacheSeconds: seconds(env.CACHE_SECONDS, 60),
    grantSeconds: seconds(env.GRANT_SECONDS, 60),
    policySeconds: seconds(env.POLICY_SECONDS, 30),
    originRetryMs: seconds(env.ORIGIN_RETRY_SECONDS, 10) * 1000,
    tokenKeys: parseTokenKeys(env.TOKEN_KEYS),
    edgeKeys: parseEdgeKeys(env.EDGE_KEYS),
    policyReader: parsePolicyReader(env.POLICY_READER),
  };
  parsed.set(env, config);
  return config;
}

function seconds(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** `{"keys":[{"id","key": base64 of 32 bytes}]}` → keys by id. */
export function parseTokenKeys(text: string | undefined): Map<string, TokenKey> {
  const keys = new Map<string, TokenKey>();
  if (!text) return keys;
  const json = JSON.parse(text) as { keys?: { id?: unknown; key?: unknown }[] };
  for (const k of json.keys ?? []) {
    if (typeof k.id !== "string" || typeof k.key !== "string") continue;
    const key = Uint8Array.from(atob(k.key), (c) => c.charCodeAt(0));
    if (key.length === 32) keys.set(k.id, { id: k.id, key });
  }
  return keys;
}

function parseEdgeKeys(text: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  if (!text) return keys;
  const json = JSON.parse(text) as Record<string, unknown>;
  for (const [id, secret] of Object.entries(json)) {
    if (typeof secret === "string" && secret !== "") keys.set(id, secret);
  }
  return keys;
}

function parsePolicyReader(text: string | undefined): PolicyReader | undefined {
  if (!text) return undefined;
  const json = JSON.parse(text) as Partial<PolicyReader>;
  if (typeof json.accessKeyId !== "string" || typeof json.secretAccessKey !== "string") return undefined;
  return { accessKeyId: json.accessKeyId, secretAccessKey: json.secretAccessKey };
}
