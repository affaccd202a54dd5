import { repoRoot } from "./server.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `s3dir ARGS --root ROOT` as a real process, the way an operator would. */
export async function s3dirCli(root: string, ...args: string[]): Promise<CliResult> {
  return await s3dirCliWithEnv(root, {}, ...args);
}

/** s3dirCli with extra environment variables (e.g. the root credential the server was given). */
export async function s3dirCliWithEnv(
  root: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<CliResult> {
  const proc = Bun.spawn([process.execPath, "src/main.ts", ...args, "--root", root], {
    cwd: repoRoot,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, S3DIR_ROOT: "", ...env },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
