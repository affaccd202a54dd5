import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { parseConfigFile } from "./config-file.ts";
import { optionEnvName } from "./option-spec.ts";
import { runServeHost } from "./serve-host.ts";
import { resolveServeOptions, type ServeOptions, serveOptionSpecs } from "./serve-options.ts";
import { runServeSupervisor, workerRoleEnv } from "./serve-supervisor.ts";
import { UsageError } from "./usage-error.ts";
import { parseWorkerSlot, soleWorker, workerSlotEnv } from "./worker-slot.ts";

const onBun = typeof Bun !== "undefined";

/**
 * `s3dir serve`: serves a root directory as S3 until SIGTERM/SIGINT. With TLS or `--workers N`, a
 * small supervisor process runs the host as N workers on one port, so that certificates can be
 * replaced without dropping requests and every core serves (Bun only: a Node host is one process
 * and reads its certificate once, at start).
 * `--runtime node` under Bun runs the same command on Node.js (dist/node/s3dir.mjs) instead.
 */
async function runServe(line: CommandLine, argv: readonly string[]): Promise<void> {
  if (line.positionals.length > 0) {
    throw new UsageError(
      `takes options only, not '${line.positionals[0]}' (to serve a directory: --root ${line.positionals[0]})`,
    );
  }
  const options = await loadServeOptions(line.values, process.env);
  const runtime = options.runtime ?? (onBun ? "bun" : "node");
  if (options.workers > 1 && runtime === "node") {
    throw new UsageError(
      `--workers ${options.workers}: several workers need Bun; on Node.js serve with --workers 1`,
    );
  }
  if (runtime === "node" && onBun) return await runOnNode(argv);
  if (runtime === "bun" && !onBun) throw new Error("--runtime bun: this is the Node build; run bin/s3dir");
  const worker = process.env[workerRoleEnv] === "worker";
  const supervise = (options["tls-cert"] !== undefined || options.workers > 1) && !worker && onBun;
  if (supervise) return await runServeSupervisor([...argv], options);
  await runServeHost(options, {
    supervised: worker,
    slot: worker ? parseWorkerSlot(process.env[workerSlotEnv]) : soleWorker,
  });
}

/** The serve options from the command line, the environment, the --config file and the defaults. */
async function loadServeOptions(
  flags: Record<string, string>,
  env: Record<string, string | undefined>,
): Promise<ServeOptions> {
  const file = flags.config ?? (env[optionEnvName("config")] || undefined);
  if (file === undefined) return resolveServeOptions({ flags, env });
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new Error(`--config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return resolveServeOptions({
    flags,
    env,
    config: { file, values: parseConfigFile(text, file, serveOptionSpecs) },
  });
}

/** Runs `node dist/node/s3dir.mjs serve ARGV` (built first when stale) until it exits. */
async function runOnNode(argv: readonly string[]): Promise<void> {
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

export const serveCommand: CommandSpec = {
  name: "serve",
  summary: "serves a directory as S3 until SIGTERM or SIGINT",
  usage: { "": "s3dir serve [options]" },
  options: serveOptionSpecs,
  notes:
    "Every option can also be set by its environment variable or in the --config file (name = value\n" +
    "lines); the command line wins over the environment, which wins over the file. See docs/options.md.",
  run: runServe,
};
