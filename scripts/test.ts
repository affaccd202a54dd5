/**
 * Runs the test suite with `bun test`, streams its output, and ends with one line
 * `N passed, N failed`. Exits non-zero when a test failed, when bun failed, or when no test ran.
 *
 *   bun scripts/test.ts                 all of test/
 *   bun scripts/test.ts unit            test/unit only (also: integration)
 *   bun scripts/test.ts test/integration/listing.test.ts -t "paging"
 *
 * Arguments other than the `unit`/`integration` shorthands are passed to `bun test` unchanged.
 * When the run covers the integration tests (no arguments, or `integration`), the core integration
 * files run a second time against the Node build (S3DIR_TEST_RUNTIME=node), and their results
 * count in the same final line.
 * The counts come from bun's JUnit report and from its console summary; the larger failure count
 * wins, because a file that fails to load shows only in the summary.
 * Files run in parallel worker processes (`bun test --parallel`), as many as there are CPUs or
 * S3DIR_TEST_JOBS (1: one process, one file after another). Most integration tests wait on
 * clients and timers rather than compute; every test builds its own hosts, roots and ports.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureNodeEntry } from "../src/runtime/node-build.ts";

const repo = resolve(import.meta.dir, "..");
const shorthands: Record<string, string> = { unit: "test/unit/", integration: "test/integration/" };

const passthrough = process.argv.slice(2).map((arg) => shorthands[arg] ?? arg);
const hasPath = passthrough.some((arg, i) => !arg.startsWith("-") && !isOptionValue(passthrough, i));
const targets = hasPath ? passthrough : [...passthrough, "test/"];
// bunfig.toml's [test] timeout is not applied by bun 1.4; give integration tests room unless told otherwise.
const timeout = passthrough.some((arg) => arg.startsWith("--timeout")) ? [] : ["--timeout=60000"];
const jobs = Number(process.env.S3DIR_TEST_JOBS) || navigator.hardwareConcurrency || 1;
const parallel =
  jobs > 1 && !passthrough.some((arg) => arg.startsWith("--parallel")) ? [`--parallel=${jobs}`] : [];

/** True when argv[i] is the value of a preceding option that takes a separate value (e.g. `-t name`). */
function isOptionValue(argv: string[], i: number): boolean {
  const previous = argv[i - 1];
  return (
    previous !== undefined && /^(-t|--test-name-pattern|--timeout|--bail|--seed|--shard)$/.test(previous)
  );
}

/** The integration files that also run against the Node build. */
const nodeCoreFiles = [
  "objects-put-get",
  "listing",
  "multipart",
  "presigned-and-auth",
  "conditional",
  "copy",
  "delete",
  "posix-interop",
  "sse",
  "sse-multipart",
  // ldapts declares Node >= 22; hosts may run the Node build on Node 20.
  "ldap",
].map((name) => `test/integration/${name}.test.ts`);
const coversIntegration =
  passthrough.length === 0 || (passthrough.length === 1 && passthrough[0] === shorthands.integration);

let child: ReturnType<typeof Bun.spawn> | undefined;
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupted = true;
    child?.kill(signal);
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

interface Counts {
  passed: number;
  failed: number;
  total: number;
}

/** Counts from `bun test`'s console summary (" 12 pass", " 1 fail", " 1 error", "Ran 13 tests across…"). */
function fromSummary(text: string): Counts | undefined {
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const ran = [...plain.matchAll(/^Ran (\d+) tests? across/gm)].at(-1);
  const count = (word: string) => {
    const m = [...plain.matchAll(new RegExp(`^\\s*(\\d+) ${word}\\s*$`, "gm"))].at(-1);
    return m ? Number(m[1]) : 0;
  };
  if (!ran) return undefined;
  // An unhandled error between tests fails the run as a test would.
  return { passed: count("pass"), failed: count("fail") + count("errors?"), total: Number(ran[1]) };
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

/** Runs `bun test` on targets (streaming its output) and counts the results. */
async function runBunTest(
  label: string,
  files: string[],
  env: Record<string, string | undefined>,
): Promise<{ counts: Counts; problems: string[] }> {
  const reportDir = mkdtempSync(join(tmpdir(), "s3dir-test-report-"));
  const junitPath = join(reportDir, "junit.xml");
  const proc = Bun.spawn(
    [
      process.execPath,
      "test",
      "--no-orphans",
      ...timeout,
      ...parallel,
      "--reporter=junit",
      `--reporter-outfile=${junitPath}`,
      ...files,
    ],
    { cwd: repo, stdin: "ignore", stdout: "pipe", stderr: "pipe", env },
  );
  child = proc;
  const [stdoutTail, stderrTail] = await Promise.all([
    tee(proc.stdout, process.stdout),
    tee(proc.stderr, process.stderr),
  ]);
  const exitCode = await proc.exited;
  const summary = fromSummary(stderrTail) ?? fromSummary(stdoutTail);
  const junit = fromJunit(junitPath);
  rmSync(reportDir, { recursive: true, force: true });

  const counts = {
    passed: Math.max(summary?.passed ?? 0, junit?.passed ?? 0),
    failed: Math.max(summary?.failed ?? 0, junit?.failed ?? 0),
    total: Math.max(summary?.total ?? 0, junit?.total ?? 0),
  };
  const problems: string[] = [];
  if (!summary && !junit) problems.push(`${label}: could not read bun's results`);
  if (counts.total === 0) problems.push(`${label}: no tests ran`);
  if (exitCode !== 0 && counts.failed === 0) {
    problems.push(`${label}: bun test exited with code ${exitCode}`);
    counts.failed = 1;
  }
  return { counts, problems };
}

// Built once here: parallel workers that each found the Node build stale would build it at once.
if (coversIntegration) await ensureNodeEntry();
const runs = [await runBunTest("bun", targets, { ...process.env })];
if (coversIntegration && !interrupted) {
  process.stdout.write(`\ntest runner: the core integration files again, against the Node build\n`);
  runs.push(await runBunTest("node", nodeCoreFiles, { ...process.env, S3DIR_TEST_RUNTIME: "node" }));
}

const passed = runs.reduce((n, r) => n + r.counts.passed, 0);
const failed = runs.reduce((n, r) => n + r.counts.failed, 0);
const problems = runs.flatMap((r) => r.problems);
for (const problem of problems) process.stdout.write(`test runner: ${problem}\n`);

process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
