import { createHash } from "node:crypto";
import { mkdir, realpath } from "node:fs/promises";
import { hostname } from "node:os";
import { createAuditTrail } from "../audit/audit-trail.ts";
import type { CredentialLookup } from "../auth/types.ts";
import { createIamAdminService } from "../iam/iam-admin-service.ts";
import { iamPaths } from "../iam/iam-paths.ts";
import { createIamStore } from "../iam/iam-store.ts";
import { createIdentityPolicies } from "../iam/identity-policies.ts";
import { loadRootCredential } from "../iam/root-credential.ts";
import { loadSecretsKey } from "../iam/secrets-key.ts";
import { createSessionCredentials, sessionKeyPrefix } from "../iam/session-credentials.ts";
import { createTokenKeyCache, loadTokenKeys } from "../iam/token-keys.ts";
import { startFreeSpaceWatch } from "../runtime/free-space.ts";
import { startHttpServer } from "../runtime/http-server.ts";
import { createStdoutLineWriter } from "../runtime/line-writer.ts";
import { nodeSigV4Crypto } from "../runtime/node-sigv4-crypto.ts";
import { checkRootEncryption } from "../runtime/root-encryption.ts";
import { startRootProbe } from "../runtime/root-probe.ts";
import { createApp } from "../s3/app.ts";
import { createAuthorizer } from "../s3/authorize.ts";
import { createBucketPolicies } from "../s3/bucket-policies.ts";
import { parseTrustedProxies } from "../s3/forwarded-host.ts";
import { createMetrics } from "../s3/metrics.ts";
import { createIamActions } from "../s3/query/iam-actions.ts";
import { assumeRole, getCallerIdentity } from "../s3/query/sts-actions.ts";
import { maxRequestHeaderBytes, unparsableRequestAnswer } from "../s3/unparsable-request.ts";
import { createPosixStore } from "../storage/index.ts";
import type { ServeOptions } from "./serve-options.ts";
import { testPauseFromEnv } from "./test-pause.ts";
import { version } from "./version.ts";

/** How this host process runs: alone, or as the worker of a TLS supervisor (serve-supervisor.ts). */
export interface HostRole {
  supervised: boolean;
}

/**
 * An error no request awaited (a write failing with ENOSPC while nobody listened, a throw in a
 * callback) is logged and the host goes on: by default it would end the process and every
 * request in flight with it, though the state it affects lives on disk, not in this process.
 */
function keepServingOnStrayErrors(out: { write(line: string): void }): void {
  const log = (kind: string) => (error: unknown) =>
    out.write(
      JSON.stringify({
        level: "error",
        msg: `${kind} (host continues)`,
        error: error instanceof Error ? error.stack : String(error),
      }),
    );
  process.on("unhandledRejection", log("unhandled rejection"));
  process.on("uncaughtException", log("uncaught exception"));
}

/** Serves a root directory as S3 until SIGTERM/SIGINT (or, when supervised, until the supervisor is gone). */
export async function runServeHost(options: ServeOptions, role: HostRole): Promise<void> {
  await mkdir(options.root, { recursive: true });
  const root = await realpath(options.root);
  const encryption = await checkRootEncryption(root);
  if (options["require-encrypted-root"] && !encryption.encrypted) {
    throw new Error(
      `--require-encrypted-root: cannot confirm that ${root} is encrypted at rest:\n  ${encryption.checked.join("\n  ")}`,
    );
  }
  const { credential, generated } = await loadRootCredential(root, process.env);
  const secretsKey = await loadSecretsKey(root, process.env);
  const iam = createIamStore({ root, secretsKey, rootCredential: credential });
  const tokenKeys = createTokenKeyCache(root, await loadTokenKeys(root));
  const sessions = createSessionCredentials({ tokenKeys, parentCredential: iam.lookupCredential });
  const credentials: CredentialLookup = (accessKeyId, token) =>
    token && accessKeyId.startsWith(sessionKeyPrefix)
      ? sessions(accessKeyId, token)
      : iam.lookupCredential(accessKeyId, token);
  const out = createStdoutLineWriter();
  keepServingOnStrayErrors(out);
  const store = await createPosixStore({
    root,
    fsync: options.fsync,
    metadataStore: options["metadata-store"],
    pause: testPauseFromEnv(process.env),
    multipartExpiry: {
      maxAgeMs: options["multipart-expiry"],
      onSweep: (result) =>
        out.write(JSON.stringify({ level: "info", msg: "multipart uploads swept", ...result })),
      onError: (error) =>
        out.write(JSON.stringify({ level: "error", msg: "multipart sweep failed", error: String(error) })),
    },
    warn: (record) => out.write(JSON.stringify({ level: "warn", ...record })),
    deadWriterSweep: {
      intervalMs: options["sweep-interval"],
      onSweep: (result) => out.write(JSON.stringify({ level: "info", msg: "dead writers swept", ...result })),
      onError: (error) =>
        out.write(JSON.stringify({ level: "error", msg: "dead writer sweep failed", error: String(error) })),
    },
  });
  // Every call becomes an audit event, spooled before its response completes (see src/audit/).
  const audit = await createAuditTrail({
    root,
    secretsKey,
    hostId: process.env.S3DIR_HOST_ID || `${hostname()}:${options.port}`,
    log: (record) => out.write(JSON.stringify(record)),
  });
  let ready = true;
  let inFlight = 0;
  const startedAt = new Date();
  let hostName = `${hostname()}:${options.port}`;
  const probe = startRootProbe(root, `${hostname()}-${process.pid}`);
  const minFree = options["min-free"];
  const space = minFree ? startFreeSpaceWatch(root, minFree) : undefined;
  const metrics = createMetrics([
    { name: "s3dir_requests_in_flight", help: "Requests being answered now.", value: () => inFlight },
    {
      name: "s3dir_audit_spool_bytes",
      help: "Audit events not yet delivered, in bytes of spool.",
      value: () => audit.stats().bytesPending,
    },
    {
      name: "s3dir_audit_spool_events",
      help: "Audit events not yet delivered.",
      value: () => audit.stats().eventsPending,
    },
    {
      name: "s3dir_audit_spool_full",
      help: "1 while the audit spool is at its bound and new events are dropped.",
      value: () => (audit.stats().full ? 1 : 0),
    },
    {
      name: "s3dir_audit_events_dropped_total",
      help: "Audit events lost because the spool was full or unwritable.",
      type: "counter",
      value: () => audit.stats().eventsDropped,
    },
    {
      name: "s3dir_audit_events_delivered_total",
      help: "Audit events the webhook acknowledged.",
      type: "counter",
      value: () => audit.stats().eventsDelivered,
    },
    {
      name: "s3dir_uptime_seconds",
      help: "Seconds since this host started.",
      value: () => Math.floor((Date.now() - startedAt.getTime()) / 1000),
    },
  ]);

  const policiesOf = createIdentityPolicies(iamPaths(root));
  const bucketPolicies = createBucketPolicies(store);
  const app = createApp({
    store,
    credentials,
    queryActions: {
      sts: {
        AssumeRole: assumeRole({
          currentTokenKey: async () => (await tokenKeys()).current,
          maxDurationSeconds: options["sts-max-duration"],
        }),
        GetCallerIdentity: getCallerIdentity,
      },
      iam: createIamActions(
        createIamAdminService({
          paths: iamPaths(root),
          secretsKey,
          roleOf: async (name) => (await iam.getUser(name))?.role,
        }),
      ),
    },
    authorize: createAuthorizer(
      {
        roleOf: async (name) => (await iam.getUser(name))?.role,
        policiesOf: async (name) => {
          const user = await iam.getUser(name);
          return user ? policiesOf(user) : [];
        },
      },
      bucketPolicies.policyOf,
    ),
    bucketPolicyChanged: bucketPolicies.forget,
    config: {
      region: options.region,
      domains: options.domain,
      allowSseCOverHttp: options["allow-sse-c-over-http"],
      bodyTimeoutMs: options["body-timeout"],
      trustedProxies: parseTrustedProxies(options["trusted-proxy"]),
      owner: { id: createHash("sha256").update("s3dir:root").digest("hex"), displayName: "root" },
    },
    sigv4Crypto: nodeSigV4Crypto,
    log: (entry) => {
      audit.record(entry);
      metrics.observe(entry);
      if (options["access-log"]) out.write(JSON.stringify(entry));
    },
    onInternalError: (error, requestId) =>
      out.write(
        JSON.stringify({
          level: "error",
          requestId,
          error: error instanceof Error ? error.stack : String(error),
        }),
      ),
    health: {
      get host() {
        return hostName;
      },
      version,
      startedAt,
      shuttingDown: () => !ready,
      inFlight: () => inFlight,
      maxInFlight: options["max-in-flight"],
      rootProblems: () => {
        const low = space?.low();
        return low ? [...probe.problems(), `writes refused: ${low}`] : probe.problems();
      },
      rootEncrypted: () => encryption.encrypted,
    },
    metrics: options.metrics ? metrics.render : undefined,
    writesRefused: space && (() => space.low()),
  });
  const handle = async (req: Request, remoteIp: string, rawTarget?: string) => {
    inFlight++;
    try {
      return await app.fetch(req, { remoteIp, rawTarget });
    } finally {
      inFlight--;
    }
  };
  const tls = options["tls-cert"]
    ? { certFile: options["tls-cert"], keyFile: options["tls-key"]! }
    : undefined;
  const server = startHttpServer({
    hostname: options.host,
    port: options.port,
    fetch: handle,
    tls,
    reusePort: role.supervised,
    maxHeaderBytes: maxRequestHeaderBytes,
    unparsable: unparsableRequestAnswer,
  });
  const plain =
    tls && options["http-port"] !== undefined
      ? startHttpServer({
          hostname: options.host,
          port: options["http-port"],
          fetch: handle,
          reusePort: role.supervised,
          maxHeaderBytes: maxRequestHeaderBytes,
          unparsable: unparsableRequestAnswer,
        })
      : undefined;

  hostName = `${hostname()}:${server.port}`;
  if (generated) {
    process.stderr.write(
      `s3dir: generated the root credential (shown once; stored in ${root}/.s3dir/root-credential.json):\n` +
        `  AWS_ACCESS_KEY_ID=${credential.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${credential.secretAccessKey}\n`,
    );
  }
  out.write(
    JSON.stringify({
      level: "info",
      msg: "listening",
      url: `${server.scheme}://${options.host}:${server.port}`,
      httpUrl: plain ? `http://${options.host}:${plain.port}` : undefined,
      root,
      region: options.region,
      fsync: options.fsync,
      rootEncrypted: encryption.encrypted,
      rootEncryption: encryption.checked,
    }),
  );

  const shutdown = async (signal: string) => {
    if (!ready) return;
    ready = false;
    out.write(JSON.stringify({ level: "info", msg: "shutting down", signal, inFlight }));
    await Promise.all([server.stop(), plain?.stop()]);
    await store.close();
    await audit.close();
    probe.stop();
    space?.stop();
    out.write(JSON.stringify({ level: "info", msg: "stopped" }));
    await out.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  if (role.supervised) {
    process.send?.({ type: "ready", port: server.port, httpPort: plain?.port });
    // A worker never outlives its supervisor, even one killed with SIGKILL.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void shutdown("supervisor gone");
    }, 1000).unref();
  }
}
