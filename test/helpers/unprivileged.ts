/**
 * Running the server as an unprivileged user, for tests of what the kernel refuses: root
 * bypasses permission checks, so EACCES and EPERM can only be seen by another user.
 *
 *   const user = ensureTestUser();
 *   const server = await startServer({ user });   // root dir created and handed to the user
 *   chmodSync(join(server.root, bucket, "secret"), 0o000);
 *
 * What it takes (tests run as root, as in CI):
 * - a system user `s3dir-test` (created with `useradd --system --no-create-home` when missing);
 * - a bundle of src/main.ts in a world-readable temp directory (the repository may sit under a
 *   directory the user cannot traverse, such as /root), built once per test process, with
 *   package.json beside it where serve-host.ts reads the version;
 * - the bun executable copied there too when the user cannot run the test process's own;
 * - `setpriv --reuid --regid --clear-groups` in front of the command.
 * When any of this fails the call throws with the reason: a test needing it must fail, never skip.
 */
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repoRoot = resolve(import.meta.dir, "../..");

export interface UnprivilegedUser {
  name: string;
  uid: number;
  gid: number;
}

function run(cmd: string[]): { ok: boolean; out: string } {
  try {
    const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
    return { ok: r.exitCode === 0, out: `${r.stdout.toString()}${r.stderr.toString()}`.trim() };
  } catch (e) {
    return { ok: false, out: String(e) };
  }
}

function idOf(name: string, flag: "-u" | "-g"): number | undefined {
  const r = run(["id", flag, name]);
  return r.ok ? Number(r.out) : undefined;
}

/** The unprivileged system user tests run servers as; created when missing (needs root). */
export function ensureTestUser(name = "s3dir-test"): UnprivilegedUser {
  if (process.getuid?.() !== 0) {
    throw new Error(`running a server as ${name} needs the tests to run as root (uid ${process.getuid?.()})`);
  }
  if (idOf(name, "-u") === undefined) {
    const made = run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]);
    if (!made.ok && idOf(name, "-u") === undefined) {
      throw new Error(`could not create the test user ${name} with useradd: ${made.out}`);
    }
  }
  const uid = idOf(name, "-u");
  const gid = idOf(name, "-g");
  if (uid === undefined || gid === undefined) throw new Error(`no uid/gid for the test user ${name}`);
  return { name, uid, gid };
}

/** The command prefix that runs a program as user, without root's supplementary groups. */
export function asUser(user: UnprivilegedUser): string[] {
  return ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--"];
}

/** Gives path (and, with recursive, everything below it) to user. */
export function chownTree(path: string, user: UnprivilegedUser, recursive = true): void {
  chownSync(path, user.uid, user.gid);
  if (!recursive || !lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), user);
}

let bundleDir: Promise<string> | undefined;

async function buildBundle(user: UnprivilegedUser): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "s3dir-unprivileged-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  // dist/s3dir/main.js reads ../../package.json, as src/cli/serve-host.ts does from the repository.
  const out = join(dir, "dist", "s3dir");
  const result = await Bun.build({
    entrypoints: [join(repoRoot, "src", "main.ts")],
    outdir: out,
    target: "bun",
  });
  if (!result.success) {
    throw new Error(`bundling src/main.ts for the test user failed:\n${result.logs.map(String).join("\n")}`);
  }
  copyFileSync(join(repoRoot, "package.json"), join(dir, "package.json"));
  for (const path of [join(dir, "dist"), out]) chmodSync(path, 0o755);
  for (const name of readdirSync(out)) chmodSync(join(out, name), 0o644);
  let bun = process.execPath;
  if (!run([...asUser(user), bun, "--version"]).ok) {
    bun = join(dir, "bun");
    copyFileSync(process.execPath, bun);
    chmodSync(bun, 0o755);
    const check = run([...asUser(user), bun, "--version"]);
    if (!check.ok) throw new Error(`${user.name} cannot run bun even from ${bun}: ${check.out}`);
  }
  const probe = run([...asUser(user), bun, join(out, "main.js"), "--help"]);
  if (!probe.ok) throw new Error(`${user.name} cannot run the bundled s3dir: ${probe.out}`);
  return dir;
}

/**
 * The command line that runs `s3dir` as user, and the directory to run it in (the user can
 * enter it). Built once per test process.
 */
export async function unprivilegedS3dirCommand(
  user: UnprivilegedUser,
): Promise<{ command: string[]; cwd: string }> {
  bundleDir ??= buildBundle(user);
  const dir = await bundleDir;
  const bun = lstatSync(join(dir, "bun"), { throwIfNoEntry: false }) ? join(dir, "bun") : process.execPath;
  return { command: [...asUser(user), bun, join(dir, "dist", "s3dir", "main.js")], cwd: dir };
}

/** A fresh directory under the temp directory owned by user (e.g. a server root). */
export function userTempDir(user: UnprivilegedUser, prefix = "s3dir-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chownSync(dir, user.uid, user.gid);
  return dir;
}
