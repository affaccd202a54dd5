import * as v from "valibot";
import { parseTrustedProxies } from "../s3/forwarded-host.ts";
import { durationSchema as duration } from "./duration.ts";
import { minFreeSchema } from "./min-free.ts";
import { type OptionSpec, optionEnvName } from "./option-spec.ts";
import {
  domainList,
  nonEmpty,
  onOff,
  portNumber,
  posixId,
  wholeNumber,
  workerCount,
} from "./serve-option-schemas.ts";
import { UsageError } from "./usage-error.ts";

type ServeOptionDef = Omit<OptionSpec, "name"> & { schema: v.GenericSchema<string, unknown> };

/**
 * Every option of `s3dir serve`, in the order `--help` and docs/options.md show them. Each is also
 * read from its environment variable (optionEnvName) and from the --config file.
 */
export const serveOptionDefs = {
  root: {
    kind: "value",
    value: "DIR",
    default: "./data",
    description: "the directory served; each top-level directory is a bucket",
    schema: nonEmpty,
  },
  host: {
    kind: "value",
    value: "ADDRESS",
    default: "127.0.0.1",
    description: "the address to listen on",
    schema: v.string(),
  },
  port: {
    kind: "value",
    value: "PORT",
    default: "9000",
    description: "the port to listen on",
    schema: portNumber,
  },
  workers: {
    kind: "value",
    value: "N|auto",
    default: "1",
    description:
      "serve with this many processes on the same port(s), one per core with auto (Bun only); per-host limits are split among them (docs/operations.md)",
    schema: workerCount,
  },
  region: {
    kind: "value",
    value: "REGION",
    default: "us-east-1",
    description: "the region signatures must be scoped to, and that buckets report",
    schema: v.pipe(v.string(), v.regex(/^[a-z0-9-]+$/, "region is lower-case letters, digits and hyphens")),
  },
  domain: {
    kind: "value",
    value: "DOMAIN,...",
    default: "",
    description: "base domains for virtual-hosted-style requests (bucket.DOMAIN); path style always works",
    schema: domainList,
  },
  "trusted-proxy": {
    kind: "value",
    value: "CIDR,...",
    default: "",
    description: "addresses or CIDR blocks (edge workers, load balancers) whose X-Forwarded-Host is believed",
    schema: v.pipe(
      v.string(),
      v.check((text) => {
        try {
          parseTrustedProxies(text);
          return true;
        } catch {
          return false;
        }
      }, "addresses or CIDR blocks, separated by commas"),
    ),
  },
  fsync: {
    kind: "value",
    value: "on|off",
    default: "on",
    description: "acknowledge a write only once data and rename are on stable storage",
    schema: onOff,
  },
  "metadata-store": {
    kind: "value",
    value: "auto|xattr|file",
    default: "auto",
    description: "where object metadata lives: an extended attribute, or sidecar records (auto probes once)",
    schema: v.picklist(["auto", "xattr", "file"], "auto, xattr or file"),
  },
  "access-log": {
    kind: "value",
    value: "on|off",
    default: "on",
    description: "one JSON line per request on stdout",
    schema: onOff,
  },
  "multipart-expiry": {
    kind: "value",
    value: "DURATION",
    default: "7d",
    description: "incomplete multipart uploads older than this are removed (s, m, h, d; bare is days)",
    schema: duration,
  },
  "sweep-interval": {
    kind: "value",
    value: "DURATION",
    default: "1m",
    description: "how often each host removes what dead hosts left: temp files, Completes cut off mid-way",
    schema: duration,
  },
  "quota-recount": {
    kind: "value",
    value: "DURATION",
    default: "10m",
    description:
      "how often one host recounts each bucket with a hard quota (files written through POSIX count after it)",
    schema: duration,
  },
  "lifecycle-day": {
    kind: "value",
    value: "DURATION",
    default: "1d",
    description:
      "how long a lifecycle rule's day lasts; shorter only for tests (then expiry counts from the object's time, not from midnight UTC)",
    schema: duration,
  },
  "tls-cert": {
    kind: "value",
    value: "FILE",
    description:
      "serve HTTPS on --port with this PEM certificate chain (with --tls-key); re-read on SIGHUP or change",
    schema: nonEmpty,
  },
  "tls-key": {
    kind: "value",
    value: "FILE",
    description: "the PEM private key of --tls-cert",
    schema: nonEmpty,
  },
  "http-port": {
    kind: "value",
    value: "PORT",
    description: "with TLS on, also serve plain HTTP on this port",
    schema: portNumber,
  },
  "body-timeout": {
    kind: "value",
    value: "DURATION",
    default: "60s",
    description: "an upload that sends less than 64 KiB in this long is cut off with RequestTimeout",
    schema: duration,
  },
  "max-in-flight": {
    kind: "value",
    value: "N",
    default: "4096",
    description: "above this many requests in flight, /health/ready answers 503 so a load balancer backs off",
    schema: v.pipe(v.string(), v.regex(/^\d+$/, "a count"), v.transform(Number), v.integer(), v.minValue(1)),
  },
  "min-free": {
    kind: "value",
    value: "SIZE|PERCENT",
    description:
      "below this much free space (1GiB, 512m, 5%), writes get 507 StorageFull and /health/ready answers 503",
    schema: minFreeSchema,
  },
  metrics: {
    kind: "value",
    value: "on|off",
    default: "on",
    description: "Prometheus metrics on GET /metrics (unsigned requests only)",
    schema: onOff,
  },
  "sts-max-duration": {
    kind: "value",
    value: "DURATION",
    default: "12h",
    description: "the longest STS session a caller may ask for (15m … 7d; AWS's cap is 12h)",
    schema: v.pipe(
      duration,
      v.minValue(900_000, "the STS maximum duration is at least 15m"),
      v.maxValue(604_800_000, "the STS maximum duration is at most 7d"),
      v.transform((ms) => Math.floor(ms / 1000)),
    ),
  },
  runtime: {
    kind: "value",
    value: "bun|node",
    description: "the runtime that serves (default: the one running s3dir); node runs dist/node/s3dir.mjs",
    schema: v.picklist(["bun", "node"], "bun or node"),
  },
  "require-encrypted-root": {
    kind: "flag",
    default: "off",
    description: "refuse to start unless the root is confirmed to sit on dm-crypt or an fscrypt directory",
    schema: onOff,
  },
  "allow-sse-c-over-http": {
    kind: "value",
    value: "on|off",
    default: "off",
    description: "accept SSE-C keys over plain HTTP (testing only: the key crosses the wire in clear)",
    schema: onOff,
  },
  "anonymous-uid": {
    kind: "value",
    value: "UID",
    default: "65534",
    description: "owner of the files and directories anonymous requests create",
    schema: posixId,
  },
  "anonymous-gid": {
    kind: "value",
    value: "GID",
    default: "65534",
    description: "group of the files and directories anonymous requests create",
    schema: posixId,
  },
  "lifecycle-interval": {
    kind: "value",
    value: "DURATION",
    default: "1h",
    description: "the lifecycle worker starts a new pass over a bucket this long after the last one ended",
    schema: duration,
  },
  "lifecycle-page": {
    kind: "value",
    value: "N",
    default: "500",
    description: "object versions (or uploads) the lifecycle worker lists and acts on per step (1-1000)",
    schema: wholeNumber(1, 1000),
  },
  "lifecycle-pause": {
    kind: "value",
    value: "MS",
    default: "100",
    description: "milliseconds the lifecycle worker pauses between two steps",
    schema: wholeNumber(0, 3_600_000),
  },
  "lifecycle-rate": {
    kind: "value",
    value: "N",
    default: "100",
    description: "deletions per second, at most, by each host's lifecycle worker",
    schema: wholeNumber(1, 1_000_000),
  },
  sigv2: {
    kind: "value",
    value: "on|off",
    default: "on",
    description:
      "accept Signature Version 2 (HMAC-SHA1) headers and presigned links, as older clients send; off answers InvalidRequest",
    schema: onOff,
  },
  config: {
    kind: "value",
    value: "FILE",
    description: "read options from this file of `name = value` lines (see docs/options.md)",
    schema: nonEmpty,
  },
  "posix-permissions": {
    kind: "value",
    value: "off|enforce",
    default: "off",
    description:
      "enforce: requests of users with a POSIX uid (and anonymous ones) must also pass the files' mode bits and ACLs (docs/security.md)",
    schema: v.picklist(["off", "enforce"], "off or enforce"),
  },
  "bucket-defaults": {
    kind: "value",
    value: "current|legacy",
    default: "current",
    description:
      "what a new bucket gets: current = AWS's defaults since 2023 (ACLs disabled by BucketOwnerEnforced, public access block all on); legacy = ObjectWriter, ACLs on, nothing blocked, as older tools expect",
    schema: v.picklist(["current", "legacy"], "current or legacy"),
  },
  "sts-strict-roles": {
    kind: "flag",
    default: "off",
    description:
      "AssumeRole only for the ARNs of stored roles (trust policy checked, the role's rights); off: an ARN that names no role gives the caller's own rights, narrowed by a session policy",
    schema: onOff,
  },
  "max-memory": {
    kind: "value",
    value: "SIZE",
    description:
      "the memory the load score (x-s3dir-score) measures the resident set against (8g, 512m); default the cgroup's limit, else the machine's memory",
    schema: v.pipe(
      minFreeSchema,
      v.check((m) => "bytes" in m, "a size such as 8g or 512m"),
      v.transform((m) => ({ bytes: "bytes" in m ? m.bytes : 0 })),
    ),
  },
  "max-buckets": {
    kind: "value",
    value: "N",
    description: "CreateBucket of a new bucket is refused with TooManyBuckets once the root holds this many",
    schema: wholeNumber(1, 1_000_000),
  },
  "log-level": {
    kind: "value",
    value: "debug|info|warn|error",
    default: "info",
    description:
      "the least severe server log lines written (not the access log); `s3dir log-level LEVEL` changes it on every running host",
    schema: v.picklist(["debug", "info", "warn", "error"], "debug, info, warn or error"),
  },
  console: {
    kind: "value",
    value: "on|off",
    default: "on",
    description: "serve the web console at /_console/ on every port of this host (docs/console.md)",
    schema: onOff,
  },
  "console-port": {
    kind: "value",
    value: "PORT",
    description:
      "also serve this host (and so its console) on this port, e.g. one reachable only from an admin network",
    schema: portNumber,
  },
} satisfies Record<string, ServeOptionDef>;

type Defs = typeof serveOptionDefs;
type OutputOf<K extends keyof Defs> = v.InferOutput<Defs[K]["schema"]>;

/** The options of `s3dir serve`, validated; those without a default are undefined unless given. */
export type ServeOptions = {
  [K in keyof Defs]: Defs[K] extends { default: string } ? OutputOf<K> : OutputOf<K> | undefined;
};

/** The serve options as OptionSpecs, for the parser and the usage text. */
export const serveOptionSpecs: readonly OptionSpec[] = Object.entries(serveOptionDefs).map(
  ([name, { schema: _schema, ...spec }]) => ({ name, ...spec }) as OptionSpec,
);

/** Where the values come from; the first that has an option wins. */
export interface ServeOptionSources {
  /** From the command line, by option name. */
  flags: Record<string, string>;
  env: Record<string, string | undefined>;
  /** From the config file, by option name, and the file's name for messages. */
  config?: { file: string; values: Record<string, string> };
}

/** Resolves every serve option: command line > environment > config file > default. */
export function resolveServeOptions(sources: ServeOptionSources): ServeOptions {
  const output: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(serveOptionDefs) as [string, ServeOptionDef][]) {
    const envName = optionEnvName(name);
    const picked =
      sources.flags[name] !== undefined
        ? { text: sources.flags[name], from: `--${name}` }
        : sources.env[envName]
          ? { text: sources.env[envName], from: envName }
          : sources.config?.values[name] !== undefined
            ? { text: sources.config.values[name], from: `${sources.config.file}: ${name}` }
            : def.default !== undefined
              ? { text: def.default, from: `--${name}` }
              : undefined;
    if (!picked) continue;
    const result = v.safeParse(def.schema, picked.text);
    if (!result.success) throw new UsageError(`${picked.from}: ${result.issues[0].message}`);
    output[name] = result.output;
  }
  const options = output as ServeOptions;
  if ((options["tls-cert"] === undefined) !== (options["tls-key"] === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  if (options["http-port"] !== undefined && options["tls-cert"] === undefined) {
    throw new UsageError("--http-port is for keeping plain HTTP beside TLS; without TLS, --port is HTTP");
  }
  if (options["console-port"] !== undefined && !options.console) {
    throw new UsageError("--console-port serves the console; it cannot go with --console off");
  }
  return options;
}

/** The options of `s3dir serve` from flags and the environment alone (no config file). */
export function parseServeOptions(
  flags: Record<string, string>,
  env: Record<string, string | undefined>,
): ServeOptions {
  return resolveServeOptions({ flags, env });
}
