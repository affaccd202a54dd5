import { createHost } from "../host/index.ts";
import { startHttpServer } from "../runtime/http-server.ts";
import { createStdoutLineWriter } from "../runtime/line-writer.ts";
import { maxRequestHeaderBytes, unparsableRequestAnswer } from "../s3/unparsable-request.ts";
import { hostOptionsFromServe } from "./host-options.ts";
import type { ServeOptions } from "./serve-options.ts";
import { createWorkerChannel } from "./worker-channel.ts";
import type { WorkerSlot } from "./worker-slot.ts";

/** How this host process runs: alone, or as a worker of a supervisor (serve-supervisor.ts). */
export interface HostRole {
  supervised: boolean;
  /** Which of the host's workers this one is; its share of the per-host limits follows from it. */
  slot: WorkerSlot;
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

/**
 * Serves a root directory as S3 until SIGTERM/SIGINT (or, when supervised, until the supervisor is
 * gone): the host (src/host/) behind the runtime's HTTP server, plus the process's concerns.
 */
export async function runServeHost(options: ServeOptions, role: HostRole): Promise<void> {
  const out = createStdoutLineWriter();
  keepServingOnStrayErrors(out);
  const channel = role.supervised ? createWorkerChannel() : undefined;
  const host = await createHost({
    ...hostOptionsFromServe(options, process.env, out, role.slot),
    peerMetrics: channel?.peerMetrics,
  });
  channel?.answerWith(host.metricsSnapshot);
  const handle = (req: Request, remoteIp: string, rawTarget?: string) =>
    host.fetch(req, { remoteIp, rawTarget });
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
  // The whole host, not only its console: the console signs its S3, STS and IAM calls for its own origin.
  const consoleServer =
    options["console-port"] !== undefined
      ? startHttpServer({
          hostname: options.host,
          port: options["console-port"],
          fetch: handle,
          tls,
          reusePort: role.supervised,
          maxHeaderBytes: maxRequestHeaderBytes,
          unparsable: unparsableRequestAnswer,
        })
      : undefined;

  const generated = host.generatedRootCredential;
  if (generated) {
    process.stderr.write(
      `s3dir: generated the root credential (shown once; stored in ${host.root}/.s3dir/root-credential.json):\n` +
        `  AWS_ACCESS_KEY_ID=${generated.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${generated.secretAccessKey}\n`,
    );
  }
  host.listening({
    port: server.port,
    url: `${server.scheme}://${options.host}:${server.port}`,
    httpUrl: plain ? `http://${options.host}:${plain.port}` : undefined,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    host.drain(signal);
    await Promise.all([server.stop(), plain?.stop(), consoleServer?.stop()]);
    await host.close();
    await out.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  if (channel) {
    channel.ready({ port: server.port, httpPort: plain?.port, consolePort: consoleServer?.port });
    // A worker never outlives its supervisor, even one killed with SIGKILL.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void shutdown("supervisor gone");
    }, 1000).unref();
  }
}
