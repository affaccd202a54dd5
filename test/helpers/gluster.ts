/**
 * GlusterFS on this one machine for tests: glusterd and its bricks on 127.0.0.2 with all state
 * in a temp directory, volumes of two bricks, each FUSE-mounted once per simulated host, torn
 * down afterwards. See the facts in the shared DFS notes: the CLI refuses 127.0.0.1 as a brick
 * host, glusterd listens on 24007 (so one glusterd at a time), bricks sit on the root filesystem.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sbin = { PATH: `/usr/sbin:/sbin:${process.env.PATH ?? ""}` };
const glusterd = Bun.which("glusterd", sbin);
const glusterfs = Bun.which("glusterfs", sbin);
const gluster = Bun.which("gluster", sbin);

export const glusterMissing =
  glusterd && glusterfs && gluster
    ? undefined
    : "GlusterFS is not installed: apt-get install -y glusterfs-server glusterfs-client attr (.ci/run does this)";

/** Translators whose client-side caches make one mount see another's changes late. */
const cachingTranslators = [
  "quick-read",
  "stat-prefetch",
  "open-behind",
  "io-cache",
  "read-ahead",
  "readdir-ahead",
  "write-behind",
];

export interface GlusterVolume {
  name: string;
  /** One mount point per simulated host. */
  mounts: string[];
  coherent: boolean;
}

export interface GlusterCluster {
  /** Creates, starts and mounts a volume of two bricks. */
  volume(name: string, options: { mounts: number; coherent: boolean }): Promise<GlusterVolume>;
  stop(): Promise<void>;
}

function run(argv: string[]): string {
  const result = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...sbin } });
  if (result.exitCode !== 0) {
    throw new Error(
      `${argv.join(" ")}: ${result.stderr.toString().trim() || result.stdout.toString().trim()}`,
    );
  }
  return result.stdout.toString();
}

function isMounted(point: string): boolean {
  return readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === point);
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** Starts glusterd with its state under a fresh temp directory. */
export async function startGluster(): Promise<GlusterCluster> {
  if (glusterMissing) throw new Error(glusterMissing);
  const dir = mkdtempSync(join(tmpdir(), "s3dir-gluster-"));
  for (const sub of ["wd", "run", "logs"]) mkdirSync(join(dir, sub));
  const sock = join(dir, "glusterd.sock");
  const pidFile = join(dir, "glusterd.pid");
  run([
    glusterd!,
    ...["working-directory=wd", "run-directory=run", "cluster-test-mode=logs"].flatMap((o) => {
      const [k, v] = o.split("=");
      return ["--xlator-option", `management.${k}=${join(dir, v!)}`];
    }),
    "--xlator-option",
    `management.glusterd-sockfile=${sock}`,
    "--xlator-option",
    "management.transport.socket.bind-address=127.0.0.2",
    "--xlator-option",
    "management.transport.socket.listen-port=24007",
    `--pid-file=${pidFile}`,
  ]);
  const cli = (...args: string[]) => run([gluster!, "--mode=script", `--glusterd-sock=${sock}`, ...args]);
  await until(() => existsSync(sock), 10_000, "glusterd");
  for (let attempt = 0; ; attempt++) {
    try {
      cli("volume", "list");
      break;
    } catch (e) {
      if (attempt > 50) throw e;
      await Bun.sleep(100);
    }
  }

  const volumes: GlusterVolume[] = [];
  return {
    async volume(name, options) {
      const bricks = [1, 2].map((i) => join(dir, `${name}-brick${i}`));
      for (const b of bricks) mkdirSync(b);
      cli("volume", "create", name, "transport", "tcp", ...bricks.map((b) => `127.0.0.2:${b}`), "force");
      if (options.coherent) {
        for (const t of cachingTranslators) cli("volume", "set", name, `performance.${t}`, "off");
      }
      cli("volume", "start", name);
      const volume: GlusterVolume = { name, mounts: [], coherent: options.coherent };
      volumes.push(volume);
      for (let i = 0; i < options.mounts; i++) {
        const point = join(dir, `${name}-mount${i + 1}`);
        mkdirSync(point);
        const timeouts = options.coherent
          ? ["--attribute-timeout=0", "--entry-timeout=0", "--negative-timeout=0"]
          : [];
        run([glusterfs!, "--volfile-server=127.0.0.2", `--volfile-id=/${name}`, ...timeouts, point]);
        await until(() => isMounted(point), 10_000, `the mount of ${name} at ${point}`);
        volume.mounts.push(point);
      }
      return volume;
    },
    async stop() {
      for (const v of volumes) {
        for (const m of v.mounts) Bun.spawnSync(["umount", "-l", m]);
        Bun.spawnSync([
          gluster!,
          "--mode=script",
          `--glusterd-sock=${sock}`,
          "volume",
          "stop",
          v.name,
          "force",
        ]);
        Bun.spawnSync([gluster!, "--mode=script", `--glusterd-sock=${sock}`, "volume", "delete", v.name]);
      }
      const pid = Number(readFileSync(pidFile, "utf8").trim());
      if (pid > 0) process.kill(pid, "SIGTERM");
      // Brick processes of our volumes, should a volume stop have failed.
      Bun.spawnSync(["pkill", "-f", `glusterfsd.*${dir}`]);
      await Bun.sleep(300);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
