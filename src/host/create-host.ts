import { mkdir, realpath } from "node:fs/promises";
import { hostname } from "node:os";
import packageJson from "../../package.json" with { type: "json" };
import { auditHostId, auditPaths } from "../audit/audit-paths.ts";
import { createAuditTrail } from "../audit/audit-trail.ts";
import { spoolDepths } from "../audit/spool-depths.ts";
import { readWebhookSettings } from "../audit/webhook-settings.ts";
import { accountOf } from "../auth/account.ts";
import { evaluate } from "../auth/policy/index.ts";
import type { CredentialLookup } from "../auth/types.ts";
import { selfReport } from "../console/server/console-cluster.ts";
import { createConsoleHandler, isConsoleRequest } from "../console/server/console-handler.ts";
import { listAccounts } from "../iam/account-admin.ts";
import { createIamAdminService } from "../iam/iam-admin-service.ts";
import { iamPaths } from "../iam/iam-paths.ts";
import { createIamStore } from "../iam/iam-store.ts";
import { createIdentityPolicies } from "../iam/identity-policies.ts";
import { createLdapLogin } from "../iam/ldap-login.ts";
import { policyDocuments } from "../iam/oidc-policies.ts";
import { createOidcVerifier } from "../iam/oidc-providers.ts";
import { createRoleDirectory } from "../iam/role-directory.ts";
import { createRoleTrust } from "../iam/role-lookup.ts";
import { loadRootCredential } from "../iam/root-credential.ts";
import { loadSecretsKey } from "../iam/secrets-key.ts";
import { createSessionCredentials, sessionKeyPrefix } from "../iam/session-credentials.ts";
import { createTokenKeyCache, loadTokenKeys } from "../iam/token-keys.ts";
import { startFreeSpaceWatch } from "../runtime/free-space.ts";
import { type LogLevel, logsAt, watchLogLevel } from "../runtime/log-level-setting.ts";
import { startMemoryUse } from "../runtime/memory-use.ts";
import { nodeSigV4Crypto } from "../runtime/node-sigv4-crypto.ts";
import { checkRootEncryption } from "../runtime/root-encryption.ts";
import { startRootProbe } from "../runtime/root-probe.ts";
import { ensureSystemDirSync } from "../runtime/system-dir.ts";
import { createBucketAccessCache } from "../s3/acl/bucket-access.ts";
import { createApp } from "../s3/app.ts";
import { createAuthorizer } from "../s3/authorize.ts";
import { createBucketOwners } from "../s3/bucket-owners.ts";
import { createBucketPolicies } from "../s3/bucket-policies.ts";
import { parseTrustedProxies } from "../s3/forwarded-host.ts";
import type { MetricsSnapshot } from "../s3/metrics-snapshot.ts";
import { createIamActions } from "../s3/query/iam-actions.ts";
import { assumeRole, callerIdentity } from "../s3/query/sts-actions.ts";
import { assumeRoleWithLdapIdentity } from "../s3/query/sts-ldap-identity.ts";
import { assumeRoleWithWebIdentity } from "../s3/query/sts-web-identity.ts";
import { createPosixStore } from "../storage/index.ts";
import { createHostMetrics, metricsText } from "./host-metrics.ts";
import type { HostOptions } from "./host-options.ts";
import { lifecycleAuditEntry } from "./lifecycle-audit.ts";
import { testPauseFromEnv } from "./test-pause.ts";

/** What the listening server tells the host about a request. */
export interface RequestInfo {
  remoteIp: string;
  /** The request target exactly as sent, when the runtime keeps it (Node does, Bun.serve does not). */
  rawTarget?: string;
}

export interface Host {
  /** The served directory, resolved. */
  readonly root: string;
  /** The root credential when this host generated it (none was configured or stored): show it once. */
  readonly generatedRootCredential?: { accessKeyId: string; secretAccessKey: string };
  fetch(request: Request, info: RequestInfo): Promise<Response>;
  /** The server is bound: names the host by its real port and logs the "listening" line. */
  listening(address: { port: number; url: string; httpUrl?: string }): void;
  /** This process's metrics as plain numbers, for the host's other processes to add up. */
  metricsSnapshot(): MetricsSnapshot;
  /** From now on /health/ready answers 503 (shutting down); requests are still answered. */
  drain(reason: string): void;
  /** Stops every timer, watcher and sweep and releases the root's locks; logs "stopped". */
  close(): Promise<void>;
}

/** Distinguishes hosts of one process in names that must be unique per host (the probe file). */
let hostsBuilt = 0;

export async function createHost(options: HostOptions): Promise<Host> {
  const { out, env } = options;
  const ownLevel: LogLevel = options.logLevel ?? "info";
  let level = ownLevel;
  const log = (record: Record<string, unknown>) => {
    if (logsAt(level, record.level)) out.write(JSON.stringify(record));
  };
  const writeAccess = (line: string) => (out.writeBatched ? out.writeBatched(line) : out.write(line));
  await mkdir(options.root, { recursive: true });
  const root = await realpath(options.root);
  const encryption = await checkRootEncryption(root);
  if (options.requireEncryptedRoot && !encryption.encrypted) {
    throw new Error(
      `--require-encrypted-root: cannot confirm that ${root} is encrypted at rest:\n  ${encryption.checked.join("\n  ")}`,
    );
  }
  // Before anything else writes below it: a root whose system directory is made here is new and
  // gets this version's on-disk features at once (runtime/system-dir.ts).
  ensureSystemDirSync(root);
  const { credential, generated } = await loadRootCredential(root, env);
  const secretsKey = await loadSecretsKey(root, env);
  const iam = createIamStore({ root, secretsKey, rootCredential: credential });
  const tokenKeys = createTokenKeyCache(root, await loadTokenKeys(root));
  const sessions = createSessionCredentials({ tokenKeys, parentCredential: iam.lookupCredential });
  const credentials: CredentialLookup = (accessKeyId, token) =>
    token && accessKeyId.startsWith(sessionKeyPrefix)
      ? sessions(accessKeyId, token)
      : iam.lookupCredential(accessKeyId, token);

  // What is started is stopped again, also when a later step of the build fails.
  const stops: (() => void | Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    // The level set for the whole root (`s3dir log-level`) wins over this host's --log-level.
    const levelWatch = await watchLogLevel(
      root,
      (set) => {
        level = set ?? ownLevel;
        out.write(JSON.stringify({ level: "info", msg: "log level changed", logLevel: level }));
      },
      (error) =>
        out.write(
          JSON.stringify({ level: "error", msg: "log level setting unreadable", error: String(error) }),
        ),
    );
    level = levelWatch.current() ?? ownLevel;
    stops.push(() => levelWatch.stop());
    // Every call becomes an audit event, spooled before its response completes (see src/audit/);
    // made before the store, whose lifecycle worker records its deletions there too.
    const audit = await createAuditTrail({
      root,
      secretsKey,
      hostId: auditHostId(env.S3DIR_HOST_ID || `${hostname()}:${options.port}`, options.workerIndex),
      log,
    });
    stops.push(() => audit.close());
    const store = await createPosixStore({
      root,
      fsync: options.fsync,
      metadataStore: options.metadataStore,
      pause: testPauseFromEnv(env),
      lifecycleClock: { dayMs: options.lifecycleDayMs, now: Date.now },
      lifecycleWorker: {
        ...options.lifecycleWorker,
        onEvent: (event) => audit.record(lifecycleAuditEntry(event)),
        onPass: (report) => log({ level: "info", msg: "lifecycle pass finished", ...report }),
        onError: (error, bucket) =>
          log({ level: "error", msg: "lifecycle worker failed", bucket, error: String(error) }),
      },
      quotaRecountIntervalMs: options.quotaRecountMs,
      multipartExpiry: {
        maxAgeMs: options.multipartExpiryMs,
        onSweep: (result) => log({ level: "info", msg: "multipart uploads swept", ...result }),
        onError: (error) => log({ level: "error", msg: "multipart sweep failed", error: String(error) }),
      },
      warn: (record) => log({ level: "warn", ...record }),
      deadWriterSweep: {
        intervalMs: options.sweepIntervalMs,
        onSweep: (result) => log({ level: "info", msg: "dead writers swept", ...result }),
        onError: (error) => log({ level: "error", msg: "dead writer sweep failed", error: String(error) }),
      },
    });
    stops.push(() => store.close());
    hostsBuilt++;
    const probe = startRootProbe(
      root,
      `${hostname()}-${process.pid}${hostsBuilt > 1 ? `-${hostsBuilt}` : ""}`,
    );
    stops.push(() => probe.stop());
    const space = options.minFree ? startFreeSpaceWatch(root, options.minFree) : undefined;
    if (space) stops.push(() => space.stop());

    const memory = startMemoryUse(options.maxMemory);
    stops.push(() => memory.stop());

    let ready = true;
    let inFlight = 0;
    const startedAt = new Date();
    let hostName = `${hostname()}:${options.port}`;
    const metrics = createHostMetrics({ inFlight: () => inFlight, audit, startedAt });
    const policiesOf = createIdentityPolicies((account) => iamPaths(root, account));
    const bucketPolicies = createBucketPolicies(store);
    const bucketAccess = createBucketAccessCache(store);
    const owners = createBucketOwners(store, iam.account, () => listAccounts(root));
    const roleOf = async (name: string, account?: string) => (await iam.getUser(name, account))?.role;
    const roleByArn = createRoleDirectory(root);
    const userPolicies = async (name: string, account: string) => {
      const user = await iam.getUser(name, account);
      return user ? policiesOf(user, account) : [];
    };
    const trustedProxies = parseTrustedProxies(options.trustedProxies);
    const app = createApp({
      store,
      credentials,
      queryActions: {
        sts: {
          AssumeRole: assumeRole({
            currentTokenKey: async () => (await tokenKeys()).current,
            maxDurationSeconds: options.stsMaxDurationSeconds,
            roleByArn,
            strictRoles: options.stsStrictRoles,
            callerAllows: async (principal, context) => {
              const account = accountOf(principal);
              if ((await roleOf(principal.name, account)) === "admin") return true;
              const identity = await userPolicies(principal.name, account);
              return evaluate({ identity }, context).decision === "Allow";
            },
          }),
          GetCallerIdentity: callerIdentity({ roleByArn }),
        },
        iam: createIamActions((account) =>
          createIamAdminService({ paths: iamPaths(root, account), secretsKey, roleOf }),
        ),
      },
      unsignedStsActions: {
        AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity({
          verify: createOidcVerifier(root),
          roleTrust: createRoleTrust(root, roleByArn),
          policyDocuments: (names) => policyDocuments(iamPaths(root), names),
          currentTokenKey: async () => (await tokenKeys()).current,
          maxDurationSeconds: options.stsMaxDurationSeconds,
        }),
        AssumeRoleWithLDAPIdentity: assumeRoleWithLdapIdentity({
          login: createLdapLogin(root, iamPaths(root), secretsKey),
          currentTokenKey: async () => (await tokenKeys()).current,
          maxDurationSeconds: options.stsMaxDurationSeconds,
          log: (msg) => log({ level: "info", msg }),
        }),
      },
      authorize: createAuthorizer(
        {
          roleOf,
          policiesNamed: (names, account) =>
            policiesOf(
              {
                name: "",
                role: "s3",
                policies: names,
                inlinePolicies: {},
                accessKeys: [],
                created: "",
                version: 1,
              },
              account,
            ),
          policiesOf: userPolicies,
          rolePoliciesOf: async (arn) => {
            const role = await roleByArn(arn);
            return role ? policiesOf.ofRole(role.record, role.account) : [];
          },
        },
        bucketPolicies.policyOf,
        {
          bucketAccess: bucketAccess.of,
          objectAcl: (bucket, key, versionId) =>
            store.getObjectAcl(bucket, key, versionId).then(
              (r) => r.acl,
              () => undefined,
            ),
          canonicalIdOf: async (account) => (await owners.account(account)).canonicalId,
          hasForeignObjects: owners.hasForeignObjects,
          uploadOwner: (bucket, key, uploadId) =>
            store.multipart.describe(bucket, key, uploadId).then(
              (upload) => upload.attributes.acl?.owner,
              () => undefined,
            ),
        },
        owners.accountOf,
      ),
      bucketPolicyChanged: (bucket) => {
        bucketPolicies.forget(bucket);
        bucketAccess.forget(bucket);
      },
      config: {
        region: options.region,
        domains: options.domains,
        allowSseCOverHttp: options.allowSseCOverHttp,
        anonymousOwner: anonymousOwnerOf(options.anonymousOwner),
        posixPermissions:
          options.posixPermissions === "enforce"
            ? { anonymous: options.anonymousOwner ?? { uid: NOBODY, gid: NOBODY } }
            : undefined,
        bucketDefaults: options.bucketDefaults,
        sigv2: options.sigv2,
        maxBuckets: options.maxBuckets,
        bodyTimeoutMs: options.bodyTimeoutMs,
        trustedProxies,
        owners,
      },
      sigv4Crypto: nodeSigV4Crypto,
      log: (entry) => {
        audit.record(entry);
        metrics.observe(entry);
        if (options.accessLog) writeAccess(JSON.stringify(entry));
      },
      onInternalError: (error, requestId) =>
        log({ level: "error", requestId, error: error instanceof Error ? error.stack : String(error) }),
      health: {
        get host() {
          return hostName;
        },
        version: packageJson.version,
        startedAt,
        shuttingDown: () => !ready,
        inFlight: () => inFlight,
        maxInFlight: options.maxInFlight,
        rootProblems: () => {
          const low = space?.low();
          return low ? [...probe.problems(), `writes refused: ${low}`] : probe.problems();
        },
        rootEncrypted: () => encryption.encrypted,
        memory: memory.current,
      },
      metrics: options.metrics ? metricsText(metrics, options.peerMetrics) : undefined,
      writesRefused: space && (() => space.low()),
    });

    const consoleHandler =
      options.console === false
        ? undefined
        : createConsoleHandler({
            root,
            region: options.region,
            self: async () =>
              selfReport(
                await (await app.fetch(new Request("http://host/health/status"), { remoteIp: "" })).json(),
              ),
            s3: async (request, client) => await app.fetch(request, { remoteIp: client.remoteIp }),
            usage: (bucket) => store.quota.usage(bucket),
            stsMaxDurationSeconds: options.stsMaxDurationSeconds,
            auditStats: () => audit.stats(),
            webhookSettings: () => readWebhookSettings(auditPaths(root).settings, secretsKey),
            spoolDepths: () => spoolDepths(auditPaths(root), audit.stats().hostId),
          });

    const drain = (reason: string) => {
      if (!ready) return;
      ready = false;
      log({ level: "info", msg: "shutting down", signal: reason, inFlight });
    };
    let closing: Promise<void> | undefined;
    return {
      root,
      generatedRootCredential: generated
        ? { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey }
        : undefined,
      fetch: async (request, info) => {
        inFlight++;
        try {
          if (
            consoleHandler &&
            isConsoleRequest(request, options.domains, { remoteIp: info.remoteIp, trustedProxies })
          )
            return await consoleHandler(request, info);
          return await app.fetch(request, info);
        } finally {
          inFlight--;
        }
      },
      listening: ({ port, url, httpUrl }) => {
        hostName = `${hostname()}:${port}`;
        log({
          level: "info",
          msg: "listening",
          url,
          httpUrl,
          root,
          region: options.region,
          fsync: options.fsync,
          rootEncrypted: encryption.encrypted,
          rootEncryption: encryption.checked,
        });
      },
      metricsSnapshot: () => metrics.snapshot(),
      drain,
      close: () => {
        closing ??= (async () => {
          drain("close");
          await stopAll();
          log({ level: "info", msg: "stopped" });
        })();
        return closing;
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

const NOBODY = 65534;

/**
 * The owner of anonymous writes. The default (nobody:nogroup) applies only to a server running
 * as root: an unprivileged server could not chown, and its anonymous uploads, which worked
 * before owners existed, would start failing. An owner set explicitly is always used.
 */
function anonymousOwnerOf(owner: { uid: number; gid: number } | undefined) {
  const chosen = owner ?? { uid: NOBODY, gid: NOBODY };
  const isDefault = chosen.uid === NOBODY && chosen.gid === NOBODY;
  return isDefault && process.geteuid?.() !== 0 ? undefined : chosen;
}
