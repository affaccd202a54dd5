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

/** Runs `s3dir ARGS --json` and returns its output; a non-zero exit throws with its stderr. */
export async function s3dirJson(root: string, ...args: string[]): Promise<string> {
  const result = await s3dirCli(root, ...args, "--json");
  if (result.code !== 0) throw new Error(`s3dir ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
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

/**
 * Makes a user whose only rights are these policy statements (through the admin CLI, as an
 * operator would) and returns its access key; policy files go to policyDir.
 */
export async function userWithPolicy(
  root: string,
  policyDir: string,
  name: string,
  statements: object[],
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const cli = async (...args: string[]) => {
    const result = await s3dirCli(root, ...args, "--json");
    if (result.code !== 0) throw new Error(`s3dir ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  };
  const file = `${policyDir}/${name}.json`;
  await Bun.write(file, JSON.stringify({ Version: "2012-10-17", Statement: statements }));
  await cli("policy", "add", `${name}-policy`, file);
  await cli("user", "add", name, "--role", "s3");
  await cli("policy", "attach", `${name}-policy`, name);
  return JSON.parse(await cli("key", "create", name)) as { accessKeyId: string; secretAccessKey: string };
}
