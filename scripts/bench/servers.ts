/**
 * Starts the servers under test as child processes — s3dir and the bare Bun.serve baseline —
 * waits until they answer /health/ready, and stops them again.
 */

import { closeSync, openSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../../test/helpers/server.ts";
import { trackChild } from "./cleanup.ts";

export const repoRoot = resolve(import.meta.dir, "../..");
const bun = process.execPath;

/** The root credential every s3dir under test is started with. */
export const benchCredentials = {
  accessKeyId: "S3DIRBENCHROOTKEY001",
  secretAccessKey: "s3dir/bench+secret/0123456789abcdefABCDEF",
  region: "us-east-1",
} as const;

export interface RunningServer {
  /** A short label for reports, e.g. "s3dir" or "s3dir fsync on". */
  label: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  pid: number;
  /** Resident memory of the server process in bytes, from /proc/PID/status (0 once it is gone). */
  rssBytes(): number;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export interface S3dirOptions {
  root: string;
  fsync: boolean;
  accessLog: boolean;
  /** Where the server's stdout (the access log) and stderr go. */
  logFile: string;
  label: string;
  /** The checkout whose src/main.ts runs (default: this one), for before/after runs. */
  checkout?: string;
  /** `--workers N` (default: one process). */
  workers?: number;
}

/** Starts `bun src/main.ts serve` on a free port and waits until it is ready. */
export async function startS3dir(options: S3dirOptions): Promise<RunningServer> {
  const port = await freePort();
  const main = join(options.checkout ?? repoRoot, "src/main.ts");
  const argv = [bun, main, "serve", "--root", options.root, "--port", String(port)];
  argv.push("--fsync", options.fsync ? "on" : "off");
  if (!options.accessLog) argv.push("--access-log", "off");
  if (options.workers !== undefined) argv.push("--workers", String(options.workers));
  const env = {
    ...process.env,
    S3DIR_ROOT_ACCESS_KEY: benchCredentials.accessKeyId,
    S3DIR_ROOT_SECRET_KEY: benchCredentials.secretAccessKey,
  };
  return await launch(options.label, argv, port, options.logFile, env);
}

/**
 * Starts scripts/bench/bare-server.ts over `root` on a free port and waits until it is ready;
 * with tempDir its PUTs publish atomically and compute the MD5 (see bare-server.ts).
 */
export async function startBare(
  root: string,
  logFile: string,
  label = "bare Bun",
  tempDir?: string,
): Promise<RunningServer> {
  const port = await freePort();
  const argv = [bun, join(import.meta.dir, "bare-server.ts"), root, String(port)];
  if (tempDir) argv.push(tempDir);
  return await launch(label, argv, port, logFile, process.env);
}

async function launch(
  label: string,
  argv: string[],
  port: number,
  logFile: string,
  env: Record<string, string | undefined>,
): Promise<RunningServer> {
  // One append-mode descriptor for both streams, so access log lines and errors interleave cleanly.
  const log = openSync(logFile, "a");
  const child = trackChild(
    Bun.spawn(argv, { cwd: repoRoot, env, stdin: "ignore", stdout: log, stderr: log }),
  );
  closeSync(log);
  const origin = `http://127.0.0.1:${port}`;
  await waitReady(label, child, origin, logFile);
  return {
    label,
    origin,
    pid: child.pid,
    rssBytes: () => rssBytes(child.pid),
    stop: () => stopChild(child),
  };
}

async function waitReady(label: string, child: Subprocess, origin: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${label} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(logFile)}`,
      );
    }
    try {
      const res = await fetch(`${origin}/health/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error(`${label} was not ready within 30 s:\n${tail(logFile)}`);
}

async function stopChild(child: Subprocess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const ended = await Promise.race([child.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
  if (!ended) {
    child.kill("SIGKILL");
    await child.exited;
  }
}

/** VmRSS of a process in bytes, or 0 when it cannot be read. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The last lines of a log file, for error messages. */
export function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
