/**
 * Builds s3dir hosts inside the test process (src/host/ behind the runtime's HTTP server on
 * 127.0.0.1), with the same options and the same TestServer interface as the subprocess fixture
 * (server.ts): starting one costs milliseconds instead of a process. A subprocess is still started
 * where a process is the point: the Node runtime (S3DIR_TEST_RUNTIME=node or `runtime: "node"`),
 * another user, TLS (the supervisor), `--runtime`, and when asked (`process: true`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine } from "../../src/cli/command-line.ts";
import { hostOptionsFromServe } from "../../src/cli/host-options.ts";
import { resolveServeOptions, serveOptionSpecs } from "../../src/cli/serve-options.ts";
import { createHost, type Host } from "../../src/host/index.ts";
import { type HttpServer, startHttpServer } from "../../src/runtime/http-server.ts";
import { maxRequestHeaderBytes, unparsableRequestAnswer } from "../../src/s3/unparsable-request.ts";
import {
  defaultTestRuntime,
  type StartServerOptions,
  startServer,
  type TestServer,
  testCredentials,
} from "./server.ts";

export interface StartHostOptions extends StartServerOptions {
  /**
   * Start a process even though a host in this process could serve: where a host that blocks its
   * event loop or dies must not take the test process with it.
   */
  process?: boolean;
}

/** True when these options need a server process rather than a host in this process. */
export function needsProcess(options: StartHostOptions): boolean {
  const args = options.args ?? [];
  return (
    options.process === true ||
    (options.runtime ?? defaultTestRuntime) === "node" ||
    options.user !== undefined ||
    options.https === true ||
    args.some((arg) => /^--(tls-cert|runtime)\b/.test(arg))
  );
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

/**
 * Starts a host for a test: in this process unless a process is the point (needsProcess). Its
 * root credential is testCredentials, its log lines are kept for logs() and accessLog().
 */
export async function startHost(options: StartHostOptions = {}): Promise<TestServer> {
  if (needsProcess(options)) return await startServer(options);
  const ownsRoot = options.root === undefined;
  const root = options.root ?? mkdtempSync(join(tmpdir(), "s3dir-test-"));
  const env: Record<string, string | undefined> = {
    ...process.env,
    S3DIR_ROOT_ACCESS_KEY: testCredentials.accessKeyId,
    S3DIR_ROOT_SECRET_KEY: testCredentials.secretAccessKey,
    ...options.env,
  };
  const lines: string[] = [];
  let host: Host | undefined;
  // Bound first, so that the host is named by its real port as a server process is.
  let server: HttpServer;
  try {
    server = startHttpServer({
      hostname: "127.0.0.1",
      port: options.port ?? 0,
      fetch: (req, remoteIp, rawTarget) =>
        host ? host.fetch(req, { remoteIp, rawTarget }) : new Response("starting", { status: 503 }),
      maxHeaderBytes: maxRequestHeaderBytes,
      unparsable: unparsableRequestAnswer,
    });
  } catch (e) {
    if (ownsRoot) rmSync(root, { recursive: true, force: true });
    throw e;
  }
  try {
    // The same parser and defaults as `s3dir serve`, so `args` mean what they mean to a process.
    const line = parseCommandLine(
      [
        ...["--root", root, "--port", String(server.port)],
        ...(options.region ? ["--region", options.region] : []),
        ...(options.args ?? []),
      ],
      serveOptionSpecs,
    );
    const serveOptions = resolveServeOptions({ flags: line.values, env });
    host = await createHost(hostOptionsFromServe(serveOptions, env, { write: (l) => lines.push(l) }));
  } catch (e) {
    await server.stop();
    if (ownsRoot) rmSync(root, { recursive: true, force: true });
    throw new Error(
      `s3dir host did not start: ${e instanceof Error ? e.message : String(e)}\n${lines.join("\n")}`,
    );
  }
  const built = host;
  const endpoint = `http://127.0.0.1:${server.port}`;
  built.listening({ port: server.port, url: endpoint });
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    host: "127.0.0.1",
    port: server.port,
    pid: process.pid,
    root,
    accessKeyId: testCredentials.accessKeyId,
    secretAccessKey: testCredentials.secretAccessKey,
    region: options.region ?? "us-east-1",
    stop: () => {
      stopped ??= (async () => {
        built.drain("SIGTERM");
        await server.stop();
        await built.close();
        if (ownsRoot) rmSync(root, { recursive: true, force: true });
      })();
      return stopped;
    },
    kill: async () => {
      throw new Error("an in-process host has no process to signal: start it with startServer");
    },
    logs: () => [...lines],
    accessLog: () => lines.flatMap((line) => parseJsonLine(line)),
  };
}
