/**
 * The command line as an operator meets it: `--help` everywhere, `--version`, usage errors with
 * exit 2 that never start anything, and serve options from the environment and a config file.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commands } from "../../src/cli/commands.ts";
import { freePort, repoRoot, startServer, testCredentials } from "../helpers/index.ts";
import { waitFor } from "../helpers/util.ts";

setDefaultTimeout(120_000);

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string })
  .version;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `s3dir-cli-args-${prefix}-`));
  dirs.push(dir);
  return dir;
}

/** The environment without any S3DIR_* variable of the test runner's. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("S3DIR_")));
  return { ...env, ...extra };
}

/** `bun src/main.ts ARGS` in `cwd` (a fresh empty directory unless given). */
async function s3dir(args: string[], cwd = tempDir("cwd")) {
  const proc = Bun.spawn([process.execPath, join(repoRoot, "src/main.ts"), ...args], {
    cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: cleanEnv(),
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr, cwd };
}

describe("--help", () => {
  test("every command and sub-command prints its usage and exits 0, doing nothing", async () => {
    let i = 0;
    for (const command of commands) {
      for (const [sub, line] of Object.entries(command.usage)) {
        const flag = i++ % 2 === 0 ? "--help" : "-h";
        const r = await s3dir([command.name, ...sub.split(" ").filter(Boolean), flag]);
        expect({ args: `${command.name} ${sub} ${flag}`, code: r.code, stderr: r.stderr }).toEqual({
          args: `${command.name} ${sub} ${flag}`,
          code: 0,
          stderr: "",
        });
        expect(r.stdout).toStartWith("usage: ");
        expect(r.stdout).toContain(line);
        // No root was made, nothing was started.
        expect(readdirSync(r.cwd)).toEqual([]);
      }
    }
  });

  test("the command list, from --help, -h and help; help COMMAND is the command's", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const r = await s3dir(args);
      expect(r.code).toBe(0);
      for (const command of commands) expect(r.stdout).toContain(`  ${command.name} `);
    }
    const serve = await s3dir(["help", "serve"]);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toContain("usage: s3dir serve [options]");
    expect(serve.stdout).toContain("--trusted-proxy CIDR,...");
    expect(serve.stdout).toContain("S3DIR_MIN_FREE");
  });

  test("serve -h lists every option and does not listen", async () => {
    const port = await freePort();
    const cwd = tempDir("serve-h");
    const r = await s3dir(["serve", "--port", String(port), "--root", "served", "-h"], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--require-encrypted-root");
    expect(r.stdout).toContain("--trusted-proxy");
    expect(readdirSync(cwd)).toEqual([]);
    const answered = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      () => true,
      () => false,
    );
    expect(answered).toBe(false);
  });
});

test("--version and version print the package's version", async () => {
  for (const args of [["--version"], ["version"]]) {
    const r = await s3dir(args);
    expect(r).toMatchObject({ code: 0, stdout: `s3dir ${version}\n`, stderr: "" });
  }
});

describe("a command line that cannot run exits 2 with a message and does nothing", () => {
  const cases: [string[], RegExp][] = [
    [["--bogus"], /unknown option --bogus/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["serve", "--bogus"], /unknown option --bogus/],
    [["serve", "-p", "9000"], /unknown option -p/],
    [["user", "list", "--bogus"], /unknown option --bogus/],
    [["serve", "--port"], /--port needs a value/],
    [["serve", "--root", "--help"], /--root needs a value, not '--help'/],
    [["serve", "--port", "nine"], /--port: port must be a number/],
    [["user"], /usage:/],
  ];
  for (const [args, message] of cases) {
    test(`unknown or incomplete: ${args.join(" ")}`, async () => {
      const r = await s3dir(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
      expect(readdirSync(r.cwd)).toEqual([]);
    });
  }

  const strays: [string[], RegExp][] = [
    [["serve", "/srv"], /not '\/srv' \(to serve a directory: --root \/srv\)/],
    [["doctor", "extra"], /usage: s3dir doctor/],
    [["user", "list", "extra"], /usage: s3dir user list/],
    [["version", "extra"], /unexpected argument 'extra'/],
    [["presign", "GET", "b/k", "extra"], /usage: s3dir presign/],
  ];
  for (const [args, message] of strays) {
    test(`stray positional: ${args.join(" ")}`, async () => {
      const r = await s3dir(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(readdirSync(r.cwd)).toEqual([]);
    });
  }
});

describe("serve options from the environment and a config file", () => {
  test("command line > environment > config file > default", async () => {
    const config = join(tempDir("config"), "s3dir.conf");
    // port and root lose to the command line that startServer passes.
    writeFileSync(config, "# test\nport = 1\nregion = eu-file-1\nfsync = off\nmetrics = on\n");
    const server = await startServer({
      args: ["--config", config, "--metrics", "off"],
      env: { S3DIR_REGION: "eu-env-1", S3DIR_METRICS: "on" },
    });
    try {
      const listening = server.accessLog().find((line) => line.msg === "listening");
      expect(listening).toMatchObject({ region: "eu-env-1", fsync: false });
      const metrics = await fetch(`${server.endpoint}/metrics`);
      await metrics.arrayBuffer();
      expect(metrics.status).not.toBe(200);
    } finally {
      await server.stop();
    }
  });

  test("`npm start` serves S3DIR_ROOT, with the rest from S3DIR_CONFIG", async () => {
    const start = (
      JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: { start: string } }
    ).scripts.start;
    expect(start).not.toContain("--root");
    const [bun, ...args] = start.split(" ");
    expect(bun).toBe("bun");
    const root = tempDir("root");
    const port = await freePort();
    const config = join(tempDir("config"), "s3dir.conf");
    writeFileSync(config, `root = ${join(root, "not-this-one")}\nport = ${port}\nhost = 127.0.0.1\n`);
    const logDir = tempDir("log");
    const fd = openSync(join(logDir, "out.log"), "a");
    const proc = Bun.spawn([process.execPath, ...args], {
      cwd: repoRoot,
      stdin: "ignore",
      stdout: fd,
      stderr: fd,
      env: cleanEnv({
        S3DIR_ROOT: root,
        S3DIR_CONFIG: config,
        S3DIR_ROOT_ACCESS_KEY: testCredentials.accessKeyId,
        S3DIR_ROOT_SECRET_KEY: testCredentials.secretAccessKey,
      }),
    });
    closeSync(fd);
    try {
      const ready = await waitFor(
        () =>
          proc.exitCode === null &&
          fetch(`http://127.0.0.1:${port}/health/ready`).then(
            (r) => r.status === 200,
            () => false,
          ),
        20_000,
      );
      const output = readFileSync(join(logDir, "out.log"), "utf8");
      expect({ ready, output }).toMatchObject({ ready: true });
      const listening = output
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.msg === "listening");
      expect(listening).toMatchObject({ root: realpathSync(root), url: `http://127.0.0.1:${port}` });
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });
});
