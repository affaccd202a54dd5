import { runDoctor } from "../doctor/run-doctor.ts";
import { adminContext } from "./admin-options.ts";

const marks = { ok: "ok  ", warn: "WARN", fail: "FAIL" } as const;

/**
 * `s3dir doctor --root DIR`: checks a root for what s3dir relies on and says what to fix.
 * Exit code 1 when a check fails (warnings alone exit 0).
 */
export async function doctorCommand(argv: string[]): Promise<void> {
  const ctx = await adminContext(argv);
  if (ctx.positionals.length > 0) throw new Error("usage: s3dir doctor [--root DIR] [--json]");
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
