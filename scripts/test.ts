/**
 * Runs the test suite with `bun test`, streams its output, and ends with one line
 * `N passed, N failed`. Exits non-zero when a test failed, when bun failed, or when no test ran.
 *
 *   bun scripts/test.ts                 all of test/
 *   bun scripts/test.ts unit            test/unit only (also: integration)
 *   bun scripts/test.ts test/integration/listing.test.ts -t "paging"
 *
 * Arguments other than the `unit`/`integration` shorthands are passed to `bun test` unchanged.
 * The counts come from bun's JUnit report and from its console summary; the larger failure count
 * wins, because a file that fails to load shows only in the summary.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "..");
const shorthands: Record<string, string> = { unit: "test/unit/", integration: "test/integration/" };

const passthrough = process.argv.slice(2).map((arg) => shorthands[arg] ?? arg);
const hasPath = passthrough.some((arg, i) => !arg.startsWith("-") && !isOptionValue(passthrough, i));
const targets = hasPath ? passthrough : [...passthrough, "test/"];
// bunfig.toml's [test] timeout is not applied by bun 1.4; give integration tests room unless told otherwise.
const timeout = passthrough.some((arg) => arg.startsWith("--timeout")) ? [] : ["--timeout=60000"];

/** True when argv[i] is the value of a preceding option that takes a separate value (e.g. `-t name`). */
function isOptionValue(argv: string[], i: number): boolean {
  const previous = argv[i - 1];
  return (
    previous !== undefined && /^(-t|--test-name-pattern|--timeout|--bail|--seed|--shard)$/.test(previous)
  );
}

const reportDir = mkdtempSync(join(tmpdir(), "s3dir-test-report-"));
const junitPath = join(reportDir, "junit.xml");

const child = Bun.spawn(
  [
    process.execPath,
    "test",
    "--no-orphans",
    ...timeout,
    "--reporter=junit",
    `--reporter-outfile=${junitPath}`,
    ...targets,
  ],
  { cwd: repo, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env } },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    child.kill(signal);
  });
}

/** Copies a stream to one of our outputs and keeps the last part of it for the summary. */
async function tee(stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream): Promise<string> {
  const decoder = new TextDecoder();
  let tail = "";
  for await (const chunk of stream) {
    out.write(chunk);
    tail = (tail + decoder.decode(chunk, { stream: true })).slice(-65536);
  }
  return tail + decoder.decode();
}

const [stdoutTail, stderrTail] = await Promise.all([
  tee(child.stdout, process.stdout),
  tee(child.stderr, process.stderr),
]);
const exitCode = await child.exited;

interface Counts {
  passed: number;
  failed: number;
  total: number;
}

/** Counts from `bun test`'s console summary (" 12 pass", " 1 fail", "Ran 13 tests across…"). */
function fromSummary(text: string): Counts | undefined {
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const ran = [...plain.matchAll(/^Ran (\d+) tests? across/gm)].at(-1);
  const count = (word: string) => {
    const m = [...plain.matchAll(new RegExp(`^\\s*(\\d+) ${word}\\s*$`, "gm"))].at(-1);
    return m ? Number(m[1]) : 0;
  };
  if (!ran) return undefined;
  return { passed: count("pass"), failed: count("fail"), total: Number(ran[1]) };
}

/** Counts from the JUnit report: test cases with and without <failure>/<error>. */
function fromJunit(path: string): Counts | undefined {
  let xml: string;
  try {
    xml = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  let passed = 0;
  let failed = 0;
  let total = 0;
  // A test case is either self-closing or runs to its </testcase>.
  for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    total++;
    const body = m[2] ?? "";
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (!/<skipped\b/.test(body)) passed++;
  }
  return { passed, failed, total };
}

const summary = fromSummary(stderrTail) ?? fromSummary(stdoutTail);
const junit = fromJunit(junitPath);
rmSync(reportDir, { recursive: true, force: true });

const passed = Math.max(summary?.passed ?? 0, junit?.passed ?? 0);
const failed = Math.max(summary?.failed ?? 0, junit?.failed ?? 0);
const ran = Math.max(summary?.total ?? 0, junit?.total ?? 0);

const problems: string[] = [];
if (!summary && !junit) problems.push("could not read bun's results");
if (ran === 0) problems.push("no tests ran");
if (exitCode !== 0 && failed === 0) problems.push(`bun test exited with code ${exitCode}`);
for (const problem of problems) process.stdout.write(`test runner: ${problem}\n`);

process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || problems.length > 0 || exitCode !== 0 ? 1 : 0);
