import { spawn } from "node:child_process";
import { parseArgs } from "./args.ts";
import { runServeHost } from "./serve-host.ts";
import { parseServeOptions } from "./serve-options.ts";
import { runServeSupervisor, workerRoleEnv } from "./serve-supervisor.ts";

const onBun = typeof Bun !== "undefined";

/**
 * `s3dir serve`: serves a root directory as S3 until SIGTERM/SIGINT. With TLS, a small supervisor
 * process runs the host as a worker so that certificates can be replaced without dropping requests
 * (Bun only: a Node host reads its certificate once, at start).
 * `--runtime node` under Bun runs the same command on Node.js (dist/node/s3dir.mjs) instead.
 */
export async function serveCommand(argv: string[]): Promise<void> {
  const options = parseServeOptions(parseArgs(argv, ["require-encrypted-root"]).flags, process.env);
  const runtime = options.runtime ?? (onBun ? "bun" : "node");
  if (runtime === "node" && onBun) return await runOnNode(argv);
  if (runtime === "bun" && !onBun) throw new Error("--runtime bun: this is the Node build; run bin/s3dir");
  const worker = process.env[workerRoleEnv] === "worker";
  if (options["tls-cert"] && !worker && onBun) return await runServeSupervisor(argv, options);
  await runServeHost(options, { supervised: worker });
}

/** Runs `node dist/node/s3dir.mjs serve ARGV` (built first when stale) until it exits. */
async function runOnNode(argv: string[]): Promise<void> {
  const { ensureNodeEntry } = await import("../runtime/node-build.ts");
  const entry = await ensureNodeEntry();
  const child = spawn(process.env.S3DIR_NODE || "node", [entry, "serve", ...argv], { stdio: "inherit" });
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  const code = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (status, signal) => resolve(status ?? (signal ? 1 : 0)));
  });
  process.exit(code);
}
