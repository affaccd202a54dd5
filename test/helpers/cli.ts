import { repoRoot } from "./server.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `s3dir ARGS --root ROOT` as a real process, the way an operator would. */
export async function s3dirCli(root: string, ...args: string[]): Promise<CliResult> {
  const proc = Bun.spawn([process.execPath, "src/main.ts", ...args, "--root", root], {
    cwd: repoRoot,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, S3DIR_ROOT: "" },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
