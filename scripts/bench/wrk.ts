/** The load generator: makes sure wrk is installed, runs it with wrk-urls.lua, and parses its summary. */
import { join } from "node:path";
import { trackChild } from "./cleanup.ts";

const luaScript = join(import.meta.dir, "wrk-urls.lua");

export interface WrkRun {
  /** http://127.0.0.1:PORT — must be the host the targets were presigned for. */
  origin: string;
  method: "GET" | "PUT";
  /** A file with one request target ("/bucket/key?query") a line. */
  targetsFile: string;
  /** A file sent as the body of every request (PUT). */
  bodyFile?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  connections: number;
  threads: number;
  durationSeconds: number;
  timeoutSeconds: number;
}

export interface WrkResult {
  requests: number;
  durationUs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyUs: { mean: number; p50: number; p99: number; max: number };
  /** What the last failed request got, when the generator knows (curl does, wrk does not). */
  lastError?: string;
}

/** Installs wrk from Debian's packages when it is missing (we run as root). */
export async function ensureWrk(): Promise<void> {
  if (Bun.which("wrk")) return;
  process.stderr.write("bench: wrk not found, installing it with apt-get\n");
  for (const argv of [
    ["apt-get", "update"],
    ["apt-get", "install", "-y", "wrk"],
  ]) {
    const child = trackChild(Bun.spawn(argv, { stdout: "inherit", stderr: "inherit" }));
    if ((await child.exited) !== 0) throw new Error(`'${argv.join(" ")}' failed; install wrk by hand`);
  }
  if (!Bun.which("wrk")) throw new Error("wrk is still missing after apt-get install");
}

/** Runs wrk once and returns its summary; throws when wrk fails or prints no summary. */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const argv = [
    "wrk",
    `-t${run.threads}`,
    `-c${run.connections}`,
    `-d${run.durationSeconds}s`,
    `--timeout`,
    `${run.timeoutSeconds}s`,
    "-s",
    luaScript,
    `${run.origin}/`,
    "--",
    run.method,
    run.targetsFile,
    run.bodyFile ?? "",
    String(run.threads),
    ...Object.entries(run.headers ?? {}).flat(),
  ];
  const child = trackChild(Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" }));
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const line = stdout.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (code !== 0 || !line) throw new Error(`wrk exited with ${code}:\n${stdout}${stderr}`.trim());
  return JSON.parse(line.slice("WRK_JSON ".length)) as WrkResult;
}
