import { runDoctor } from "../doctor/run-doctor.ts";
import { adminContext, adminOptions } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { UsageError } from "./usage-error.ts";

const usage = { "": "s3dir doctor [--root DIR] [--json]" };

const marks = { ok: "ok  ", warn: "WARN", fail: "FAIL" } as const;

/**
 * `s3dir doctor --root DIR`: checks a root for what s3dir relies on and says what to fix.
 * Exit code 1 when a check fails (warnings alone exit 0).
 */
async function doctorRun(line: CommandLine): Promise<void> {
  if (line.positionals.length > 0) throw new UsageError(`usage: ${usage[""]}`);
  const ctx = await adminContext(line);
  const results = await runDoctor(ctx.root);
  const failed = results.filter((r) => r.status === "fail").length;
  const warned = results.filter((r) => r.status === "warn").length;
  const text = [
    `s3dir doctor: ${ctx.root}`,
    ...results.map((r) => `${marks[r.status]}  ${r.name}: ${r.detail}${r.fix ? `\n        → ${r.fix}` : ""}`),
    `${results.length} checks: ${results.length - failed - warned} ok, ${warned} warnings, ${failed} failed`,
  ].join("\n");
  ctx.print({ root: ctx.root, results }, text);
  if (failed > 0) process.exitCode = 1;
}

export const doctorCommand: CommandSpec = {
  name: "doctor",
  summary: "checks the root for what s3dir relies on and says what to fix",
  usage,
  options: adminOptions(),
  notes:
    "Checks xattrs, rename, O_EXCL, link, fsync, locks across processes, case and the clocks of the\n" +
    "cluster's hosts. Exit 1 when a check fails (warnings alone exit 0).",
  run: doctorRun,
};
