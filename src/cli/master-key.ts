import { createPosixStore, loadSseKeys, rotateSseMasterKey } from "../storage/index.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { UsageError } from "./usage-error.ts";

const usage = {
  rotate: "s3dir master-key rotate [--grace 1h]",
  list: "s3dir master-key list",
};

function parseGrace(text: string | undefined): number {
  if (text === undefined) return 3_600_000;
  const m = /^(\d+)([smhd]?)$/.exec(text);
  if (!m) throw new UsageError("--grace is a duration such as 0, 30m, 1h or 2d");
  const unit = { "": 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as "" | "s" | "m" | "h" | "d"
  ];
  return Number(m[1]) * unit;
}

/**
 * `s3dir master-key rotate|list`: the SSE-S3 master keys of the root
 * (`<root>/.s3dir/sse/keys.json`). `rotate` makes a new key current, rewraps the data key of
 * every SSE-S3 object under it (the object bytes are not rewritten) and drops keys no object
 * uses any more once they have been retired for longer than --grace (default 1h, so that
 * uploads in flight during the rotation stay readable; run rotate again or later to prune).
 */
async function runMasterKey(line: CommandLine): Promise<void> {
  const [sub] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  if (sub === "list") {
    const ring = await loadSseKeys(ctx.root);
    const rows = ring.keys.map((k, i) => ({
      id: k.id,
      current: i === 0,
      created: k.created,
      ...(k.retired ? { retired: k.retired } : {}),
    }));
    return ctx.print(
      rows,
      rows
        .map((r) => `${r.id}\t${r.current ? "current" : `retired ${r.retired ?? ""}`}\t${r.created}`)
        .join("\n"),
    );
  }
  const graceMs = parseGrace(ctx.options.grace);
  const store = await createPosixStore({ root: ctx.root, fsync: true, cleanStaleTemps: false });
  try {
    const buckets = (await store.listBuckets()).map((b) => b.name);
    const result = await rotateSseMasterKey(store.context, ctx.root, buckets, { graceMs });
    ctx.print(
      result,
      [
        `current key ${result.current}: ${result.rewrapped} objects rewrapped, ${result.current_already} already current`,
        result.rewrapped_kms_versions ? `${result.rewrapped_kms_versions} KMS key versions rewrapped` : "",
        result.dropped.length ? `dropped keys ${result.dropped.join(", ")}` : "no key dropped",
        result.kept.length ? `kept keys ${result.kept.join(", ")}` : "",
        result.failed.length
          ? `not rewrapped (unreadable or changed outside S3): ${result.failed.join(", ")}`
          : "",
      ]
        .filter(Boolean)
        .join("\n"),
    );
  } finally {
    await store.close();
  }
}

export const masterKeyCommand: CommandSpec = {
  name: "master-key",
  summary: "SSE-S3 master keys: rotate makes a new key current and rewraps every encrypted object's data key",
  usage,
  options: adminOptions({
    name: "grace",
    kind: "value",
    value: "DURATION",
    default: "1h",
    description: "keys retired longer than this and used by no object are dropped (0, 30m, 1h, 2d)",
  }),
  run: runMasterKey,
};
