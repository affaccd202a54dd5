import { readCluster } from "../cluster/cluster-file.ts";
import { type HostReport, probeHosts } from "../cluster/host-probe.ts";
import { readRootFormat, rootFormatFile, writeRootFormat } from "../runtime/root-format.ts";
import { type FormatFeature, formatFeatures } from "../runtime/root-format-file.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { parseDuration } from "./duration.ts";
import { optionsNamedIn } from "./help-text.ts";
import { UsageError } from "./usage-error.ts";

const usage = {
  status: "s3dir format status",
  enable: "s3dir format enable FEATURE [--force] [--timeout 2s]",
  disable: "s3dir format disable FEATURE",
};

/** The features by the names the command takes. */
const cliNames: Record<FormatFeature, string> = { compactRecords: "compact-records" };
const whatItDoes: Record<FormatFeature, string> = {
  compactRecords: "metadata records of plain PUTs in the compact binary form",
};

function featureNamed(name: string): FormatFeature {
  const feature = formatFeatures.find((f) => cliNames[f] === name);
  if (!feature)
    throw new UsageError(
      `unknown feature '${name}'; this s3dir knows: ${formatFeatures.map((f) => cliNames[f]).join(", ")}`,
    );
  return feature;
}

/** Why a host cannot be trusted to read the feature, or undefined when it reads it. */
function hostProblem(report: HostReport, feature: FormatFeature): string | undefined {
  if (!report.reachable) return `unreachable (${report.error ?? "no answer"})`;
  if (report.formatFeatures === null)
    return report.version === null
      ? "did not say which version it runs (/health/status did not answer)"
      : `runs version ${report.version}, which does not read ${cliNames[feature]}: upgrade it`;
  if (!report.formatFeatures.includes(feature))
    return `runs version ${report.version ?? "?"}, which does not read ${cliNames[feature]}: upgrade it`;
  return undefined;
}

/** Refuses, saying why, while a host of the cluster record may not read the feature. */
async function checkCluster(root: string, feature: FormatFeature, timeoutMs: number): Promise<string> {
  const record = await readCluster(root);
  if (!record)
    return "no cluster record (.s3dir/cluster.json) to check: every host serving this root must read it";
  const reports = await probeHosts(record.hosts, timeoutMs);
  const problems = reports.flatMap((r) => {
    const problem = hostProblem(r, feature);
    return problem ? [`  ${r.url}: ${problem}`] : [];
  });
  if (problems.length > 0)
    throw new Error(
      `not turning on ${cliNames[feature]}: a host of an earlier version would take such data for none and overwrite it.\n` +
        `${problems.join("\n")}\n` +
        "Upgrade these hosts (or remove them: s3dir cluster host remove HOST:PORT), then run this again; " +
        "--force turns it on anyway.",
    );
  return `all ${reports.length} host${reports.length === 1 ? "" : "s"} of the cluster read it`;
}

/**
 * `s3dir format status|enable|disable`: the on-disk features of the root (.s3dir/format.json). A
 * feature is turned on once every host reads it; running hosts follow within a few seconds.
 */
async function runFormat(line: CommandLine): Promise<void> {
  const ctx = await adminContext(line);
  const [sub, [name]] = subcommand(ctx.positionals, usage);
  const allowed = optionsNamedIn(usage[sub as keyof typeof usage]);
  for (const flag of Object.keys(line.values))
    if (!["root", "json", "account"].includes(flag) && !allowed.includes(flag))
      throw new UsageError(`--${flag} does not apply to 'format ${sub}'`);
  const format = await readRootFormat(ctx.root);
  if (sub === "status") {
    const on = formatFeatures.filter((f) => format.features.includes(f));
    const text = [
      `root format (${rootFormatFile(ctx.root)}${format.missing ? ": none, a root an earlier version made" : ""}):`,
      ...formatFeatures.map((f) => `  ${cliNames[f]}: ${on.includes(f) ? "on" : "off"} (${whatItDoes[f]})`),
      ...(format.unknown.length > 0 ? [`  unknown to this version: ${format.unknown.join(", ")}`] : []),
      ...(format.problem ? [`  unusable: ${format.problem} (every feature counts as off)`] : []),
    ].join("\n");
    return ctx.print(
      {
        features: on.map((f) => cliNames[f]),
        unknown: format.unknown,
        problem: format.problem ?? null,
        updated: format.updated ?? null,
      },
      text,
    );
  }
  const feature = featureNamed(name!);
  const others = [...format.features.filter((f) => f !== feature), ...format.unknown];
  if (sub === "disable") {
    await writeRootFormat(ctx.root, others);
    return ctx.print(
      { feature: cliNames[feature], on: false },
      `${cliNames[feature]}: off; hosts write the older form within a few seconds (data already written stays readable)`,
    );
  }
  const timeoutMs = parseDuration(ctx.options.timeout ?? "2", "s");
  if (timeoutMs === undefined || timeoutMs < 100 || timeoutMs > 60_000)
    throw new UsageError("--timeout is 0.1s … 60s (e.g. 2s or 0.5s)");
  const checked =
    ctx.options.force === "true" ? "not checked (--force)" : await checkCluster(ctx.root, feature, timeoutMs);
  await writeRootFormat(ctx.root, [feature, ...others]);
  ctx.print(
    { feature: cliNames[feature], on: true, checked },
    `${cliNames[feature]}: on; running hosts follow within a few seconds (${checked})`,
  );
}

export const formatCommand: CommandSpec = {
  name: "format",
  summary:
    "the root's on-disk features (.s3dir/format.json): status, enable or disable one once every host reads it",
  usage,
  options: adminOptions(
    {
      name: "force",
      kind: "flag",
      description: "turn the feature on without asking the hosts of the cluster record",
    },
    {
      name: "timeout",
      kind: "value",
      value: "DURATION",
      default: "2s",
      description: "how long enable waits for each host of the cluster record",
    },
  ),
  notes:
    "Features: compact-records (metadata records of plain PUTs in a compact binary form; a root this version creates has it).\nUpgrade every host first: a host of an earlier version would overwrite such records.",
  run: runFormat,
};
