import * as v from "valibot";
import { durationSchema as duration } from "./duration.ts";
import { minFreeSchema } from "./min-free.ts";

const onOff = v.pipe(
  v.picklist(["on", "off", "true", "false"]),
  v.transform((s) => s === "on" || s === "true"),
);

const domainList = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(",")
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean),
  ),
  v.array(v.pipe(v.string(), v.regex(/^[a-z0-9.-]+$/, "a domain is letters, digits, dots and hyphens"))),
);

/** The options of `s3dir serve`, validated. */
export const serveOptionsSchema = v.object({
  root: v.optional(v.pipe(v.string(), v.minLength(1)), "./data"),
  host: v.optional(v.string(), "127.0.0.1"),
  port: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, "port must be a number"),
      v.transform(Number),
      v.integer(),
      v.minValue(0),
      v.maxValue(65535),
    ),
    "9000",
  ),
  region: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z0-9-]+$/, "region is lower-case letters, digits and hyphens")),
    "us-east-1",
  ),
  domain: v.optional(domainList, ""),
  /** Addresses or CIDR blocks (comma-separated) whose X-Forwarded-Host is believed: edge workers, load balancers. */
  "trusted-proxy": v.optional(v.string(), ""),
  fsync: v.optional(onOff, "on"),
  "metadata-store": v.optional(v.picklist(["auto", "xattr", "file"]), "auto"),
  "access-log": v.optional(onOff, "on"),
  /** Incomplete multipart uploads older than this are removed. */
  "multipart-expiry": v.optional(duration, "7d"),
  /** How often each host removes what dead hosts left: temp files, Completes cut off mid-way. */
  "sweep-interval": v.optional(duration, "1m"),
  /** Serve HTTPS on --port with this PEM certificate chain and key; both re-read on SIGHUP or change. */
  "tls-cert": v.optional(v.pipe(v.string(), v.minLength(1))),
  "tls-key": v.optional(v.pipe(v.string(), v.minLength(1))),
  /** With TLS on, also serve plain HTTP on this port (off unless given). */
  "http-port": v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, "port must be a number"),
      v.transform(Number),
      v.integer(),
      v.minValue(0),
      v.maxValue(65535),
    ),
  ),
  /**
   * The runtime that serves: bun (the default under Bun) or node (Node.js 20+, through the bundle
   * dist/node/s3dir.mjs, built from the sources when missing or older than them).
   */
  runtime: v.optional(v.picklist(["bun", "node"])),
  /** Refuse to start unless the root is confirmed to sit on dm-crypt or an fscrypt directory. */
  "require-encrypted-root": v.optional(onOff, "off"),
  /** An upload that sends less than 64 KiB in this long is cut off with RequestTimeout. */
  "body-timeout": v.optional(duration, "60s"),
  /** Above this many requests in flight, /health/ready answers 503 so a load balancer backs off. */
  "max-in-flight": v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, "a count"), v.transform(Number), v.integer(), v.minValue(1)),
    "4096",
  ),
  /**
   * Below this much free space on the root's filesystem (a size such as 1GiB, or a percentage
   * such as 5%), writes are refused with 507 StorageFull and /health/ready answers 503.
   */
  "min-free": v.optional(minFreeSchema),
  /** Accept SSE-C keys over plain HTTP (for testing only: the key crosses the wire in clear). */
  "allow-sse-c-over-http": v.optional(onOff, "off"),
  /** Serve Prometheus metrics on GET /metrics (unsigned requests only). */
  metrics: v.optional(onOff, "on"),
  /** The longest STS session a caller may ask for (DurationSeconds), 15m … 12h. */
  "sts-max-duration": v.optional(
    v.pipe(
      duration,
      v.minValue(900_000, "the STS maximum duration is at least 15m"),
      v.maxValue(43_200_000, "the STS maximum duration is at most 12h"),
      v.transform((ms) => Math.floor(ms / 1000)),
    ),
    "12h",
  ),
});

export type ServeOptions = v.InferOutput<typeof serveOptionsSchema>;

export function parseServeOptions(
  flags: Record<string, string>,
  env: Record<string, string | undefined>,
): ServeOptions {
  const input: Record<string, string> = {};
  if (env.S3DIR_ROOT) input.root = env.S3DIR_ROOT;
  Object.assign(input, flags);
  const known = Object.keys(serveOptionsSchema.entries);
  for (const name of Object.keys(flags)) {
    if (!known.includes(name)) throw new Error(`unknown option --${name}`);
  }
  const result = v.safeParse(serveOptionsSchema, input);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
    throw new Error(`--${path}: ${issue.message}`);
  }
  const output = result.output;
  if ((output["tls-cert"] === undefined) !== (output["tls-key"] === undefined)) {
    throw new Error("--tls-cert and --tls-key go together");
  }
  if (output["http-port"] !== undefined && output["tls-cert"] === undefined) {
    throw new Error("--http-port is for keeping plain HTTP beside TLS; without TLS, --port is HTTP");
  }
  return output;
}
