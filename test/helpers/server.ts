/**
 * Starts a real s3dir server process for integration tests:
 * `bun src/main.ts serve --root DIR --host 127.0.0.1 --port P [args]`, or with env
 * S3DIR_TEST_RUNTIME=node (or the `runtime` option) `node dist/node/s3dir.mjs serve …`, the Node
 * build (made once per test process when missing or older than the sources). Most tests use
 * host.ts instead, which builds hosts in the test process and comes here only when a process is
 * the point.
 */

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { ensureNodeEntry } from "../../src/runtime/node-build.ts";
import { type UnprivilegedUser, unprivilegedS3dirCommand, userTempDir } from "./unprivileged.ts";

export const repoRoot = resolve(import.meta.dir, "../..");

/** The root credential every test server is started with. The secret has `/` and `+` like AWS secrets. */
export const testCredentials = {
  accessKeyId: "S3DIRTESTROOTKEY0001",
  secretAccessKey: "s3dir/test+secret/0123456789abcdefABCDEFgh",
} as const;

export interface StartServerOptions {
  /** Serve this root instead of a fresh temp directory (it is then not removed on stop). */
  root?: string;
  /** Extra CLI arguments after `serve --root … --host … --port …`, e.g. ["--domain", "s3.localhost"]. */
  args?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  region?: string;
  /** Listen on this port (e.g. to restart a host where a load balancer expects it). */
  port?: number;
  /** The server speaks HTTPS on its port (pass --tls-cert/--tls-key in args); readiness is probed over TLS. */
  https?: boolean;
  /** How long to wait for /health/ready. Default 20 s. */
  readyTimeoutMs?: number;
  /** The runtime the server runs on; default env S3DIR_TEST_RUNTIME, else bun. */
  runtime?: TestRuntime;
  /**
   * Run the server as this unprivileged user (see unprivileged.ts; bun only). A root created here
   * is the user's; a given root must already be writable by the user.
   */
  user?: UnprivilegedUser;
}

export type TestRuntime = "bun" | "node";

/** The runtime servers start on unless a test asks for one (env S3DIR_TEST_RUNTIME). */
export const defaultTestRuntime: TestRuntime = process.env.S3DIR_TEST_RUNTIME === "node" ? "node" : "bun";

let nodeEntry: Promise<string> | undefined;

/** The command line that runs `s3dir` on a runtime. */
async function s3dirCommand(runtime: TestRuntime): Promise<string[]> {
  if (runtime === "bun") return [process.execPath, "src/main.ts"];
  nodeEntry ??= ensureNodeEntry();
  return [process.env.S3DIR_NODE || "node", await nodeEntry];
}

export interface TestServer {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  host: string;
  port: number;
  root: string;
  /** The server process (with TLS: its supervisor). */
  pid: number;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Stops the process (SIGTERM, then SIGKILL) and removes the root if this call created it. */
  stop(): Promise<void>;
  /** Sends a signal (e.g. SIGKILL: no shutdown path runs) and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Every line the process wrote to stdout and stderr so far. */
  logs(): string[];
  /** The JSON objects among the stdout lines (the access log). */
  accessLog(): Record<string, unknown>[];
}

const running = new Set<Subprocess>();
process.on("exit", () => {
  for (const proc of running) proc.kill("SIGKILL");
});

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const outputDirs = new Set<string>();
process.on("exit", () => {
  for (const dir of outputDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * The server's stdout and stderr go to one file (O_APPEND, so lines keep their order), read back on
 * demand: reading a long-lived child's pipes from the test process was seen to stall.
 */
function outputFile(): { fd: number; path: string; lines(): string[]; closeOurs(): void; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "s3dir-out-"));
  const path = join(dir, "output.log");
  const fd = openSync(path, "a");
  return {
    fd,
    path,
    lines: () => {
      const text = readFileSync(path, "utf8");
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      return lines;
    },
    /** The child has its own copy of the descriptor once spawned. */
    closeOurs: () => closeSync(fd),
    // Kept after stop (tests read the logs of a stopped server); removed when the test process exits.
    remove: () => outputDirs.add(dir),
  };
}

export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const ownsRoot = options.root === undefined;
  const { user } = options;
  const root = options.root ?? (user ? userTempDir(user) : mkdtempSync(join(tmpdir(), "s3dir-test-")));
  const region = options.region ?? "us-east-1";
  let lastError: Error | undefined;
  if (user && options.runtime === "node") throw new Error("startServer: `user` runs the bun bundle only");
  const { command, cwd } = user
    ? await unprivilegedS3dirCommand(user)
    : { command: await s3dirCommand(options.runtime ?? defaultTestRuntime), cwd: repoRoot };
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const output = outputFile();
    const proc = Bun.spawn(
      [
        ...command,
        "serve",
        "--root",
        root,
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        ...(options.region ? ["--region", options.region] : []),
        ...(options.args ?? []),
      ],
      {
        cwd,
        stdin: "ignore",
        stdout: output.fd,
        stderr: output.fd,
        env: {
          ...process.env,
          S3DIR_ROOT_ACCESS_KEY: testCredentials.accessKeyId,
          S3DIR_ROOT_SECRET_KEY: testCredentials.secretAccessKey,
          ...options.env,
        },
      },
    );
    running.add(proc);
    output.closeOurs();
    const endpoint = `${options.https ? "https" : "http"}://127.0.0.1:${port}`;
    const stop = async () => {
      if (running.has(proc)) {
        proc.kill("SIGTERM");
        const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
        if (!exited) proc.kill("SIGKILL");
        await proc.exited;
        running.delete(proc);
      }
      output.remove();
      if (ownsRoot) rmSync(root, { recursive: true, force: true });
    };
    const ready = await waitReady(endpoint, proc, options.readyTimeoutMs ?? 20_000);
    if (ready === true) {
      return {
        endpoint,
        host: "127.0.0.1",
        port,
        pid: proc.pid,
        root,
        accessKeyId: testCredentials.accessKeyId,
        secretAccessKey: testCredentials.secretAccessKey,
        region,
        stop,
        kill: async (signal) => {
          proc.kill(signal);
          await proc.exited;
          running.delete(proc);
        },
        logs: () => output.lines(),
        accessLog: () => output.lines().flatMap((line) => parseJsonLine(line)),
      };
    }
    proc.kill("SIGKILL");
    await proc.exited;
    running.delete(proc);
    const text = output.lines().join("\n");
    output.remove();
    lastError = new Error(
      `s3dir did not become ready on ${endpoint}: ${ready}\n--- server output ---\n${text}`,
    );
    // Retry only when another process took the port between our probe and the server's bind.
    if (!/EADDRINUSE|address already in use/i.test(text)) break;
  }
  if (ownsRoot) rmSync(root, { recursive: true, force: true });
  throw lastError ?? new Error("s3dir did not start");
}

function parseJsonLine(line: string): Record<string, unknown>[] {
  if (!line.startsWith("{")) return [];
  try {
    const value = JSON.parse(line);
    return value && typeof value === "object" ? [value as Record<string, unknown>] : [];
  } catch {
    return [];
  }
}

/** Polls GET /health/ready until 200; returns true, or the reason it gave up. */
async function waitReady(endpoint: string, proc: Subprocess, timeoutMs: number): Promise<true | string> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      return `the process exited (code ${proc.exitCode}, signal ${proc.signalCode})`;
    }
    try {
      // Only this readiness probe skips certificate checks; tests verify TLS with their own CA.
      const response = await fetch(`${endpoint}/health/ready`, {
        signal: AbortSignal.timeout(2000),
        tls: { rejectUnauthorized: false },
      });
      await response.arrayBuffer();
      if (response.status === 200) return true;
      last = `status ${response.status}`;
    } catch (e) {
      last = String(e);
    }
    await Bun.sleep(50);
  }
  return `timed out after ${timeoutMs} ms (${last})`;
}
