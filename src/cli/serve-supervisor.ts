import { writeSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { Subprocess } from "bun";
import type { ServeOptions } from "./serve-options.ts";

/** The environment variable that makes `s3dir serve` run as a supervised worker. */
export const workerRoleEnv = "S3DIR_SERVE_ROLE";

const pollMs = 2000;

interface Worker {
  proc: Subprocess;
  exited: Promise<number>;
}

function log(level: "info" | "warn" | "error", msg: string, extra: Record<string, unknown> = {}): void {
  // Whole lines in one write: the workers write to the same stdout.
  writeSync(1, `${JSON.stringify({ level, msg, ...extra })}\n`);
}

async function stampOf(files: string[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (f) => {
      const s = await stat(f).catch(() => undefined);
      return s ? `${s.ino}:${s.mtimeMs}:${s.size}` : "missing";
    }),
  );
  return parts.join("|");
}

/**
 * `s3dir serve` with TLS: this process supervises one worker (the same command, run as a worker)
 * that serves. Bun cannot swap a listening server's certificate, so a reload starts a successor
 * worker on the same port (SO_REUSEPORT), waits until it listens, then drains the old one: new
 * connections get the new certificate, requests in flight finish on the old one, and this PID —
 * the one a service manager tracks — stays. Reloads on SIGHUP and when the files change; a
 * certificate that does not load leaves the previous worker serving.
 */
export async function runServeSupervisor(argv: string[], options: ServeOptions): Promise<void> {
  const files = [options["tls-cert"]!, options["tls-key"]!];
  const script = process.argv[1]!;
  let ports: string[] = [];
  let current: Worker | undefined;
  let stopping = false;
  let reloading = false;
  let reloadAgain = false;

  function spawnWorker(): Promise<Worker> {
    return new Promise((resolve, reject) => {
      let ready = false;
      const proc = Bun.spawn([process.execPath, script, "serve", ...argv, ...ports], {
        env: { ...process.env, [workerRoleEnv]: "worker" },
        stdio: ["ignore", "inherit", "inherit"],
        ipc(message: { type?: string; port?: number; httpPort?: number }) {
          if (message?.type !== "ready" || ready) return;
          ready = true;
          ports = ["--port", String(message.port)];
          if (message.httpPort !== undefined) ports.push("--http-port", String(message.httpPort));
          resolve(worker);
        },
      });
      const worker: Worker = { proc, exited: proc.exited };
      void worker.exited.then((code) => {
        if (!ready) reject(new Error(`the worker exited with code ${code} before listening`));
        else onWorkerExit(worker, code);
      });
    });
  }

  function onWorkerExit(worker: Worker, code: number): void {
    if (stopping || worker !== current) return;
    log("error", "worker exited unexpectedly; starting another", { code });
    current = undefined;
    const retry = async (delayMs: number) => {
      await Bun.sleep(delayMs);
      if (stopping || current) return;
      try {
        current = await spawnWorker();
      } catch (e) {
        log("error", "worker failed to start", { error: String(e) });
        void retry(Math.min(delayMs * 2, 10_000));
      }
    };
    void retry(1000);
  }

  async function reload(reason: string): Promise<void> {
    if (stopping) return;
    if (reloading) {
      reloadAgain = true;
      return;
    }
    reloading = true;
    try {
      const next = await spawnWorker();
      const previous = current;
      current = next;
      previous?.proc.kill("SIGTERM");
      log("info", "TLS certificate reloaded", { reason, pid: next.proc.pid });
    } catch (e) {
      log("error", "TLS reload failed; the previous certificate stays in service", {
        reason,
        error: String(e),
      });
    } finally {
      reloading = false;
    }
    if (reloadAgain) {
      reloadAgain = false;
      await reload("changed during reload");
    }
  }

  current = await spawnWorker().catch((e) => {
    log("error", "could not start serving", { error: String(e) });
    process.exit(1);
  });

  let stamp = await stampOf(files);
  setInterval(async () => {
    const next = await stampOf(files);
    if (next === stamp) return;
    stamp = next;
    await reload("certificate files changed");
  }, pollMs);
  process.on("SIGHUP", () => void reload("SIGHUP"));

  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const worker = current;
    worker?.proc.kill(signal);
    const code = worker ? await worker.exited : 0;
    process.exit(code);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
