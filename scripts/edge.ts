/**
 * Runs the edge worker locally in workerd (through miniflare) in front of s3dir hosts:
 *
 *   npm run edge -- --port P --origin URL [--origin URL …] [--root DIR] [--edge-key ID …]
 *                   [--unknown-keys forward|refuse] [--policy-reader ID] [--region R]
 *
 * With --root the STS token key comes from <root>/.s3dir/sts/token-keys.json, the root credential
 * (env S3DIR_ROOT_ACCESS_KEY/S3DIR_ROOT_SECRET_KEY, else the system directory) is an edge key, and
 * each --edge-key names a user key to decrypt; on Cloudflare the same values are worker secrets.
 * Prints `edge listening on URL` when ready.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Miniflare } from "miniflare";
import { iamPaths } from "../src/iam/iam-paths.ts";
import { activeKey } from "../src/iam/key-secret.ts";
import { readRootCredential } from "../src/iam/root-credential.ts";
import { loadSecretsKey } from "../src/iam/secrets-key.ts";
import { tokenKeysFile } from "../src/iam/token-keys.ts";

const repo = resolve(import.meta.dir, "..");
export const workerEntry = resolve(repo, "src/edge/worker.ts");

/**
 * Bundles the worker as one ES module for workerd. Fails on any Node or Bun built-in: the worker
 * may use Web-standard APIs only.
 */
export async function bundleWorker(entry = workerEntry): Promise<string> {
  const forbidden: string[] = [];
  const result = await Bun.build({
    entrypoints: [entry],
    target: "browser",
    format: "esm",
    minify: false,
    throw: false,
    plugins: [
      {
        name: "web-standard-only",
        setup(build) {
          build.onResolve({ filter: /^(node:|bun:|bun$|fs$|path$|crypto$|os$)/ }, (args) => {
            forbidden.push(`${args.path} (imported by ${args.importer})`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  if (!result.success) throw new Error(`edge bundle failed:\n${result.logs.join("\n")}`);
  if (forbidden.length > 0) throw new Error(`edge bundle imports non-Web modules:\n${forbidden.join("\n")}`);
  const [output] = result.outputs;
  if (!output) throw new Error("edge bundle produced nothing");
  const code = await output.text();
  if (/\bBun\./.test(code)) throw new Error("edge bundle uses the Bun global");
  return code;
}

export interface EdgeOptions {
  port: number;
  host?: string;
  origins: string[];
  root?: string;
  edgeKeyIds?: string[];
  unknownKeys?: "forward" | "refuse";
  policyReaderId?: string;
  region?: string;
  vars?: Record<string, string>;
}

async function secretsFromRoot(options: EdgeOptions): Promise<Record<string, string>> {
  if (!options.root) return {};
  const root = options.root;
  const bindings: Record<string, string> = {};
  const tokenKeys = await readFile(tokenKeysFile(root), "utf8").catch(() => undefined);
  if (tokenKeys) bindings.TOKEN_KEYS = tokenKeys;
  const keys: Record<string, string> = {};
  const rootCredential = await readRootCredential(root, process.env).catch(() => undefined);
  if (rootCredential) keys[rootCredential.accessKeyId] = rootCredential.secretAccessKey;
  const wanted = [...(options.edgeKeyIds ?? []), ...(options.policyReaderId ? [options.policyReaderId] : [])];
  if (wanted.some((id) => !(id in keys))) {
    const secretsKey = await loadSecretsKey(root, process.env);
    for (const id of wanted) {
      if (!(id in keys)) keys[id] = (await activeKey(iamPaths(root), secretsKey, id)).secretAccessKey;
    }
  }
  const edgeKeys: Record<string, string> = {};
  for (const id of options.edgeKeyIds ?? []) edgeKeys[id] = keys[id]!;
  if (rootCredential) edgeKeys[rootCredential.accessKeyId] = rootCredential.secretAccessKey;
  bindings.EDGE_KEYS = JSON.stringify(edgeKeys);
  if (options.policyReaderId) {
    bindings.POLICY_READER = JSON.stringify({
      accessKeyId: options.policyReaderId,
      secretAccessKey: keys[options.policyReaderId],
    });
  }
  return bindings;
}

/** Starts the worker; returns its URL and a stop function. */
export async function startEdge(options: EdgeOptions): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = await bundleWorker();
  const bindings: Record<string, string> = {
    ORIGINS: options.origins.join(" "),
    REGION: options.region ?? "us-east-1",
    UNKNOWN_KEYS: options.unknownKeys ?? "forward",
    ...(await secretsFromRoot(options)),
    ...options.vars,
  };
  const mf = new Miniflare({
    modules: true,
    script,
    scriptPath: workerEntry.replace(/\.ts$/, ".js"),
    compatibilityDate: "2025-01-01",
    bindings,
    host: options.host ?? "127.0.0.1",
    port: options.port,
  });
  const url = await mf.ready;
  return { url: url.href.replace(/\/$/, ""), stop: () => mf.dispose() };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      port: { type: "string", default: "8787" },
      host: { type: "string" },
      origin: { type: "string", multiple: true },
      root: { type: "string" },
      "edge-key": { type: "string", multiple: true },
      "unknown-keys": { type: "string" },
      "policy-reader": { type: "string" },
      region: { type: "string" },
      var: { type: "string", multiple: true },
    },
  });
  if (!values.origin?.length) {
    console.error("usage: npm run edge -- --port P --origin URL [--origin URL …] [--root DIR]");
    process.exit(2);
  }
  const vars = Object.fromEntries(
    (values.var ?? []).map((v) => [v.slice(0, v.indexOf("=")), v.slice(v.indexOf("=") + 1)]),
  );
  const edge = await startEdge({
    port: Number(values.port),
    host: values.host,
    origins: values.origin,
    root: values.root,
    edgeKeyIds: values["edge-key"],
    unknownKeys: values["unknown-keys"] === "refuse" ? "refuse" : "forward",
    policyReaderId: values["policy-reader"],
    region: values.region,
    vars,
  });
  console.log(`edge listening on ${edge.url}`);
  const stop = async () => {
    await edge.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
