import { fstatSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { Subprocess } from "bun";
import { createLineOutput, type LineOutput } from "./line-relay.ts";
import { createMetricsRelay } from "./metrics-relay.ts";
import type { ServeOptions } from "./serve-options.ts";
import type { SupervisorMessage, WorkerMessage } from "./worker-channel.ts";
import { workerSlotEnv, workerSlotText } from "./worker-slot.ts";

/** The environment variable that makes `s3dir serve` run as a supervised worker. */
export const workerRoleEnv = "S3DIR_SERVE_ROLE";

const pollMs = 2000;

interface Worker {
  proc: Subprocess;
  slot: number;
  exited: Promise<number>;
}

// Made on first use: the Node build bundles this module (serve.ts imports it) but never runs it.
let outputValue: LineOutput | undefined;
const output = (): LineOutput => (outputValue ??= createLineOutput());
// Writes to a regular file land whole (they share one file offset); anything else goes through the relay.
const stdoutIsFile = (() => {
  try {
    return fstatSync(1).isFile();
  } catch {
    return false;
  }
})();

function log(level: "info" | "warn" | "error", msg: string, extra: Record<string, unknown> = {}): void {
  output().line(JSON.stringify({ level, msg, ...extra }));
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
 * `s3dir serve` with TLS or `--workers N`: this process supervises N workers (the same command, run
 * as workers) that serve on the same port(s) (SO_REUSEPORT). The first starts alone (first-start
 * work such as generating the root credential happens once, and a port 0 is chosen), then the
 * others on its ports. A worker that dies is replaced. A reload (SIGHUP; with TLS also a change of
 * the certificate files, since Bun cannot swap a listening server's certificate) replaces the
 * workers one by one: each successor listens before its predecessor drains, so no request is
 * dropped, and a successor that does not start (a certificate that does not load) stops the reload
 * with the previous workers serving. This PID is the one a service manager tracks; SIGTERM/SIGINT
 * drain every worker.
 */
export async function runServeSupervisor(argv: string[], options: ServeOptions): Promise<void> {
  const count = options.workers;
  const files = options["tls-cert"] ? [options["tls-cert"], options["tls-key"]!] : [];
  const script = process.argv[1]!;
  const relay = createMetricsRelay();
  const slots: (Worker | undefined)[] = new Array(count).fill(undefined);
  const live = new Set<Worker>();
  let ports: string[] = [];
  let stopping = false;
  let reloading = false;
  let reloadAgain = false;

  const peers = () => [...live].map((w) => ({ pid: w.proc.pid, send: (m: unknown) => w.proc.send(m) }));

  function onMessage(worker: Worker, message: WorkerMessage, resolveReady: () => void): void {
    if (message?.type === "metrics-snapshot") relay.answered(worker.proc.pid, message.id, message.snapshot);
    else if (message?.type === "metrics-ask") {
      void relay.gather(worker.proc.pid, message.own, peers()).then((snapshots) => {
        const answer: SupervisorMessage = { type: "metrics-peers", id: message.id, snapshots };
        if (live.has(worker)) worker.proc.send(answer);
      });
    } else if (message?.type === "ready") {
      if (ports.length === 0) {
        ports = ["--port", String(message.port)];
        if (message.httpPort !== undefined) ports.push("--http-port", String(message.httpPort));
        if (message.consolePort !== undefined) ports.push("--console-port", String(message.consolePort));
      }
      resolveReady();
    }
  }

  function spawnWorker(slot: number): Promise<Worker> {
    return new Promise((resolve, reject) => {
      let ready = false;
      const proc = Bun.spawn([process.execPath, script, "serve", ...argv, ...ports], {
        env: {
          ...process.env,
          [workerRoleEnv]: "worker",
          [workerSlotEnv]: workerSlotText({ index: slot, count }),
        },
        stdio: ["ignore", stdoutIsFile ? "inherit" : "pipe", "inherit"],
        ipc: (message: WorkerMessage) =>
          onMessage(worker, message, () => {
            if (ready) return;
            ready = true;
            resolve(worker);
          }),
      });
      const relayed = proc.stdout instanceof ReadableStream ? output().relay(proc.stdout) : Promise.resolve();
      const worker: Worker = {
        proc,
        slot,
        exited: Promise.all([proc.exited, relayed]).then(([code]) => code),
      };
      live.add(worker);
      void worker.exited.then((code) => {
        live.delete(worker);
        relay.retire(proc.pid);
        if (!ready) reject(new Error(`the worker exited with code ${code} before listening`));
        else onWorkerExit(worker, code);
      });
    });
  }

  /** Puts a started worker in its slot, or stops it when a reload filled the slot meanwhile. */
  function seat(slot: number, worker: Worker): void {
    if (slots[slot] || stopping) worker.proc.kill("SIGTERM");
    else slots[slot] = worker;
  }

  function replace(slot: number, delayMs: number): void {
    void (async () => {
      await Bun.sleep(delayMs);
      if (stopping || slots[slot]) return;
      try {
        seat(slot, await spawnWorker(slot));
      } catch (e) {
        log("error", "worker failed to start", { slot, error: String(e) });
        replace(slot, Math.min(delayMs * 2, 10_000));
      }
    })();
  }

  function onWorkerExit(worker: Worker, code: number): void {
    if (stopping || slots[worker.slot] !== worker) return;
    log("error", "worker exited unexpectedly; starting another", { code, pid: worker.proc.pid });
    slots[worker.slot] = undefined;
    replace(worker.slot, 1000);
  }

  async function reload(reason: string): Promise<void> {
    if (stopping) return;
    if (reloading) {
      reloadAgain = true;
      return;
    }
    reloading = true;
    try {
      const pids: number[] = [];
      for (let slot = 0; slot < count && !stopping; slot++) {
        const next = await spawnWorker(slot);
        const previous = slots[slot];
        slots[slot] = next;
        previous?.proc.kill("SIGTERM");
        pids.push(next.proc.pid);
      }
      log("info", files.length > 0 ? "TLS certificate reloaded" : "workers replaced", { reason, pids });
    } catch (e) {
      const msg =
        files.length > 0
          ? "TLS reload failed; the previous certificate stays in service"
          : "reload failed; the previous workers stay in service";
      log("error", msg, { reason, error: String(e) });
    } finally {
      reloading = false;
    }
    if (reloadAgain) {
      reloadAgain = false;
      await reload("changed during reload");
    }
  }

  slots[0] = await spawnWorker(0).catch((e) => {
    log("error", "could not start serving", { error: String(e) });
    process.exit(1);
  });
  const rest = Array.from({ length: count - 1 }, (_, i) => i + 1);
  void Promise.allSettled(rest.map((slot) => spawnWorker(slot))).then((started) => {
    started.forEach((result, i) => {
      const slot = rest[i]!;
      if (result.status === "fulfilled") seat(slot, result.value);
      else {
        log("error", "worker failed to start", { slot, error: String(result.reason) });
        replace(slot, 1000);
      }
    });
    if (started.every((r) => r.status === "fulfilled") && !stopping) {
      log("info", "every worker listening", { workers: count, pids: slots.map((w) => w?.proc.pid) });
    }
  });

  if (files.length > 0) {
    let stamp = await stampOf(files);
    setInterval(async () => {
      const next = await stampOf(files);
      if (next === stamp) return;
      stamp = next;
      await reload("certificate files changed");
    }, pollMs);
  }
  process.on("SIGHUP", () => void reload("SIGHUP"));

  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const workers = [...live];
    for (const worker of workers) worker.proc.kill(signal);
    const codes = await Promise.all(workers.map((w) => w.exited));
    await output().flush();
    process.exit(codes.find((c) => c !== 0) ?? 0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
