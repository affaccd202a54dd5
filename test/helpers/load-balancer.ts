/**
 * The load balancers shipped in deploy/, run for real in front of test hosts: the shipped
 * configuration with the test's ports and temp paths substituted (each substitution must match,
 * so a drifting example fails the tests).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort, repoRoot } from "./server.ts";
import { waitFor } from "./util.ts";

export const nginxBinary = Bun.which("nginx") ?? Bun.which("nginx", { PATH: "/usr/sbin:/sbin" });
export const haproxyBinary = Bun.which("haproxy") ?? Bun.which("haproxy", { PATH: "/usr/sbin:/sbin" });
export const proxyMissing = (name: string) =>
  `${name} is not installed; these tests run the shipped ${name} configuration for real. ` +
  `Install it with: apt-get install -y nginx haproxy (.ci/run does this)`;

/** A host behind the proxy: only its port matters. */
export interface Upstream {
  port: number;
}

export interface RunningProxy {
  /** The proxy's working directory (nginx writes error.log there). */
  dir?: string;
  endpoint: string;
  proc: Subprocess;
  output: string[];
  stop(): Promise<void>;
}

/** Replaces pattern in text, failing when the shipped file no longer has it. */
function substitute(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`the shipped configuration no longer matches ${pattern}`);
  return text.replace(pattern, replacement);
}

/** deploy/nginx/s3dir.conf with the test's hosts, port and paths (a temp dir instead of /var, /run). */
export function nginxConfig(dir: string, port: number, upstreams: Upstream[]): string {
  let conf = readFileSync(join(repoRoot, "deploy/nginx/s3dir.conf"), "utf8");
  conf = substitute(conf, /^user .*;$/m, process.getuid?.() === 0 ? "user root;" : "");
  conf = substitute(conf, /^worker_processes .*;$/m, "worker_processes 1;");
  conf = substitute(conf, /^pid .*;$/m, `pid ${dir}/nginx.pid;`);
  conf = substitute(conf, /^error_log \S+/m, `error_log ${dir}/error.log`);
  conf = substitute(conf, /^(\s*)access_log \S+( \w+)?;/m, `$1access_log ${dir}/access.log$2;`);
  conf = substitute(conf, /\/var\/lib\/nginx\//g, `${dir}/`);
  conf = substitute(conf, /^(\s*)listen 80;/m, `$1listen 127.0.0.1:${port};`);
  const servers = [...conf.matchAll(/^(\s*)server \d+\.\d+\.\d+\.\d+:\d+( [^;\n]*)?;\n/gm)];
  if (servers.length !== 3) throw new Error("deploy/nginx/s3dir.conf should list three upstream servers");
  const [indent, params] = [servers[0]![1]!, servers[0]![2] ?? ""];
  const lines = upstreams.map((h) => `${indent}server 127.0.0.1:${h.port}${params};\n`).join("");
  conf = conf.replace(servers.map((m) => m[0]).join(""), lines);
  if (!conf.includes(`server 127.0.0.1:${upstreams[0]!.port}`))
    throw new Error("upstream lines not replaced");
  return conf;
}

/** deploy/haproxy/s3dir.cfg with the test's hosts and port. */
export function haproxyConfig(port: number, upstreams: Upstream[]): string {
  let cfg = readFileSync(join(repoRoot, "deploy/haproxy/s3dir.cfg"), "utf8");
  cfg = substitute(cfg, /^(\s*)bind :80$/m, `$1bind 127.0.0.1:${port}`);
  const servers = [...cfg.matchAll(/^(\s*)server (\S+) \d+\.\d+\.\d+\.\d+:\d+\n/gm)];
  if (servers.length !== 3) throw new Error("deploy/haproxy/s3dir.cfg should list three servers");
  const indent = servers[0]![1]!;
  const lines = upstreams.map((h, i) => `${indent}server s3dir-${i + 1} 127.0.0.1:${h.port}\n`).join("");
  return cfg.replace(servers.map((m) => m[0]).join(""), lines);
}

async function collect(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) into.push(decoder.decode(chunk, { stream: true }));
}

/** Starts a proxy in the foreground and waits until it forwards /health/ready. */
export async function startProxy(cmd: string[], port: number, name: string): Promise<RunningProxy> {
  const output: string[] = [];
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  void collect(proc.stdout, output);
  void collect(proc.stderr, output);
  // If the test run dies, the proxy goes with it (SIGTERM: nginx takes its workers along).
  process.on("exit", () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
    if (!exited) proc.kill("SIGKILL");
    await proc.exited;
  };
  const up = await waitFor(async () => {
    if (proc.exitCode !== null) return true;
    try {
      const response = await fetch(`${endpoint}/health/ready`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    }
  }, 10_000);
  if (!up || proc.exitCode !== null) {
    await stop();
    throw new Error(`${name} did not start (exit ${proc.exitCode}):\n${output.join("")}`);
  }
  return { endpoint, proc, output, stop };
}

/** nginx from deploy/nginx/s3dir.conf in front of the upstreams, in a temp directory removed on stop. */
export async function startNginx(upstreams: Upstream[]): Promise<RunningProxy> {
  if (!nginxBinary) throw new Error(proxyMissing("nginx"));
  const work = mkdtempSync(join(tmpdir(), "s3dir-nginx-"));
  chmodSync(work, 0o755);
  const dir = join(work, "nginx");
  mkdirSync(dir, { mode: 0o755 });
  const port = await freePort();
  writeFileSync(join(dir, "nginx.conf"), nginxConfig(dir, port, upstreams));
  const proxy = await startProxy(
    [
      nginxBinary,
      "-p",
      dir,
      "-e",
      join(dir, "error.log"),
      "-c",
      join(dir, "nginx.conf"),
      "-g",
      "daemon off;",
    ],
    port,
    "nginx",
  );
  return {
    ...proxy,
    dir,
    stop: async () => {
      await proxy.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
