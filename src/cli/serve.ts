import { parseArgs } from "./args.ts";
import { runServeHost } from "./serve-host.ts";
import { parseServeOptions } from "./serve-options.ts";
import { runServeSupervisor, workerRoleEnv } from "./serve-supervisor.ts";

/**
 * `s3dir serve`: serves a root directory as S3 until SIGTERM/SIGINT. With TLS, a small supervisor
 * process runs the host as a worker so that certificates can be replaced without dropping requests.
 */
export async function serveCommand(argv: string[]): Promise<void> {
  const options = parseServeOptions(parseArgs(argv, ["require-encrypted-root"]).flags, process.env);
  const worker = process.env[workerRoleEnv] === "worker";
  if (options["tls-cert"] && !worker) return await runServeSupervisor(argv, options);
  await runServeHost(options, { supervised: worker });
}
