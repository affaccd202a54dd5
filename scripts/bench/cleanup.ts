/**
 * One place that remembers what the benchmark started (child processes, temp directories) and
 * removes it when the run ends: normally, on an uncaught error, or on Ctrl-C / SIGTERM.
 */

import { rmSync } from "node:fs";
import type { Subprocess } from "bun";

const children = new Set<Subprocess>();
const paths: string[] = [];
let installed = false;

/** Kills every tracked child that is still running (SIGKILL) and removes every tracked path. */
export function cleanupNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
  for (const path of paths.splice(0).reverse()) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (e) {
      process.stderr.write(
        `bench: could not remove ${path}: ${e instanceof Error ? e.message : String(e)}\n`,
      );
    }
  }
}

/** Installs the exit and signal hooks once; after this, tracked things never outlive the process. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on("exit", cleanupNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
      cleanupNow();
      process.exit(130);
    });
  }
}

/** Tracks a child process; it is killed at exit unless it has ended by then. */
export function trackChild<T extends Subprocess>(child: T): T {
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

/** Tracks a file or directory to remove at exit. */
export function trackPath(path: string): string {
  paths.push(path);
  return path;
}
