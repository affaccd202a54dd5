/** The results table (Markdown) and the facts about the machine it was measured on. */
import { readFileSync } from "node:fs";
import { availableParallelism, release } from "node:os";

export interface Row {
  case: string;
  s3dir: string;
  bare: string;
  /** s3dir / baseline, already in the direction the target uses. */
  ratio?: number;
  target: string;
  /** undefined: not a target, or not measurable (see the cells). */
  met?: boolean;
}

export interface MachineFacts {
  nproc: number;
  cpu: string;
  bun: string;
  kernel: string;
  wrk: string;
  date: string;
}

export async function machineFacts(): Promise<MachineFacts> {
  let cpu = "unknown";
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux
  }
  let wrk = "not installed";
  if (Bun.which("wrk")) {
    const out = Bun.spawnSync(["wrk", "-v"], { stdout: "pipe", stderr: "pipe" });
    wrk =
      `${out.stdout.toString()}${out.stderr.toString()}`
        .split("\n")[0]
        ?.replace(/\s*Copyright.*$/, "")
        .trim() ?? wrk;
  }
  return {
    nproc: availableParallelism(),
    cpu,
    bun: Bun.version,
    kernel: release(),
    wrk,
    date: new Date().toISOString(),
  };
}

export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function metCell(met: boolean | undefined): string {
  if (met === undefined) return "—";
  return met ? "yes" : "**no**";
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

export function renderReport(rows: Row[], facts: MachineFacts, settings: string, notes: string[]): string {
  const lines = [
    "# s3dir benchmark",
    "",
    `- machine: ${facts.nproc} CPUs, ${facts.cpu}, Linux ${facts.kernel}`,
    `- bun ${facts.bun}; load generator: ${facts.wrk}`,
    `- run: ${facts.date}; ${settings}`,
    "",
    "| case | s3dir | bare Bun | ratio | target | met? |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${[
          r.case,
          r.s3dir,
          r.bare,
          r.ratio === undefined ? "—" : `${formatNumber(r.ratio, 2)}×`,
          r.target,
          metCell(r.met),
        ]
          .map(escapeCell)
          .join(" | ")} |`,
    ),
  ];
  if (notes.length > 0) lines.push("", ...notes.map((n) => `- ${n}`));
  return `${lines.join("\n")}\n`;
}
