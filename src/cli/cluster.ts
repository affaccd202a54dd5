import {
  addHost,
  type ClusterRecord,
  createCluster,
  readCluster,
  removeHost,
} from "../cluster/cluster-file.ts";
import { hostUrl, parseHostAddress, parseScheme } from "../cluster/host-address.ts";
import { probeHosts } from "../cluster/host-probe.ts";
import { allReady, renderStatusTable } from "../cluster/status-table.ts";
import { adminContext, adminOptions } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { parseDuration } from "./duration.ts";
import { optionsNamedIn } from "./help-text.ts";
import { UsageError } from "./usage-error.ts";

const usage = {
  create: "s3dir cluster create --hosts HOST:PORT,HOST:PORT,... [--scheme http|https]",
  status: "s3dir cluster status [--timeout 2s]   (exit 0 when every host is reachable and ready, else 1)",
  "host add": "s3dir cluster host add HOST:PORT [--scheme http|https]",
  "host remove": "s3dir cluster host remove HOST:PORT",
};

function usageError(): Error {
  return new UsageError(
    `usage:\n${Object.values(usage)
      .map((u) => `  ${u}`)
      .join("\n")}`,
  );
}

/** The sub-command ("create", "status", "host add", "host remove") and its positionals. */
function parseSubcommand(line: CommandLine): [string, string[]] {
  const [first, ...rest] = line.positionals;
  const [name, args] = first === "host" ? [`host ${rest[0] ?? ""}`, rest.slice(1)] : [first ?? "", rest];
  const usageLine = Object.hasOwn(usage, name) ? usage[name as keyof typeof usage] : undefined;
  if (usageLine === undefined) throw usageError();
  // Each sub-command takes the options its usage line names.
  const allowed = optionsNamedIn(usageLine);
  const wanted = name.startsWith("host ") ? 1 : 0;
  if (args.length !== wanted) throw new UsageError(`usage: ${usageLine}`);
  for (const flag of Object.keys(line.values)) {
    if (flag !== "root" && flag !== "json" && !allowed.includes(flag)) {
      throw new UsageError(`--${flag} does not apply to 'cluster ${name}'`);
    }
  }
  return [name, args];
}

function membersText(record: ClusterRecord): string {
  return record.hosts.map((h) => `  ${hostUrl(h)}`).join("\n");
}

/**
 * `s3dir cluster create|status|host add|host remove`: the pool of hosts serving this root, recorded
 * in `<root>/.s3dir/cluster.json`. Nothing is started: every member runs `s3dir serve` over the same
 * root on its own, and `status` asks each one how it is.
 */
async function runCluster(line: CommandLine): Promise<void> {
  const [sub, [address]] = parseSubcommand(line);
  const ctx = await adminContext(line);
  const flags = ctx.options;
  switch (sub) {
    case "create": {
      if (!flags.hosts) throw new UsageError(`usage: ${usage.create}`);
      const scheme = parseScheme(flags.scheme);
      const hosts = flags.hosts
        .split(",")
        .filter((h) => h.trim() !== "")
        .map((h) => ({ address: parseHostAddress(h), scheme }));
      const record = await createCluster(ctx.root, hosts);
      return ctx.print(record, `created a cluster of ${record.hosts.length}:\n${membersText(record)}`);
    }
    case "host add": {
      const host = { address: parseHostAddress(address!), scheme: parseScheme(flags.scheme) };
      const record = await addHost(ctx.root, host);
      return ctx.print(
        record,
        `added ${hostUrl(host)}; the cluster now has ${record.hosts.length}:\n${membersText(record)}`,
      );
    }
    case "host remove": {
      const record = await removeHost(ctx.root, parseHostAddress(address!));
      return ctx.print(
        record,
        `removed ${parseHostAddress(address!)}; the cluster now has ${record.hosts.length}:\n${membersText(record)}`,
      );
    }
    default: {
      const timeoutMs = parseDuration(flags.timeout ?? "2", "s");
      if (timeoutMs === undefined || timeoutMs < 100 || timeoutMs > 60_000) {
        throw new UsageError("--timeout is 0.1s … 60s (e.g. 2s or 0.5s)");
      }
      const record = await readCluster(ctx.root);
      if (!record)
        throw new Error(
          "no cluster is defined on this root; run 's3dir cluster create --hosts HOST:PORT,...'",
        );
      const reports = await probeHosts(record.hosts, timeoutMs);
      ctx.print(reports, renderStatusTable(reports));
      if (!allReady(reports)) process.exitCode = 1;
    }
  }
}

export const clusterCommand: CommandSpec = {
  name: "cluster",
  summary:
    "the pool of hosts serving this root (recorded in .s3dir/cluster.json): create, host add|remove, status",
  usage,
  options: adminOptions(
    { name: "hosts", kind: "value", value: "HOST:PORT,...", description: "the members of the new cluster" },
    {
      name: "scheme",
      kind: "value",
      value: "http|https",
      default: "http",
      description: "how the hosts are reached",
    },
    {
      name: "timeout",
      kind: "value",
      value: "DURATION",
      default: "2s",
      description: "how long status waits for each host",
    },
  ),
  run: runCluster,
};
