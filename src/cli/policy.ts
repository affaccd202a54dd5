import { readFile } from "node:fs/promises";
import {
  addPolicy,
  attachPolicy,
  detachPolicy,
  getPolicy,
  listPolicies,
  removePolicy,
} from "../iam/policy-admin.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";

const usage = {
  add: "s3dir policy add NAME FILE",
  list: "s3dir policy list",
  show: "s3dir policy show NAME",
  remove: "s3dir policy remove NAME",
  attach: "s3dir policy attach NAME USER",
  detach: "s3dir policy detach NAME USER",
};

/** `s3dir policy add|list|show|remove|attach|detach`; `add NAME -` reads the document from stdin. */
async function runPolicy(line: CommandLine): Promise<void> {
  const [sub, [name, other]] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  switch (sub) {
    case "add": {
      const text = other === "-" ? await Bun.stdin.text() : await readFile(other!, "utf8");
      const policy = await addPolicy(ctx.paths, name!, text);
      return ctx.print(
        { name: policy.name, version: policy.version },
        `saved policy ${policy.name} (version ${policy.version})`,
      );
    }
    case "list": {
      const policies = await listPolicies(ctx.paths);
      return ctx.print(
        policies.map(({ name, builtin }) => ({ name, builtin })),
        policies.map((p) => `${p.name}${p.builtin ? "\t(built-in)" : ""}`).join("\n"),
      );
    }
    case "show": {
      const policy = await getPolicy(ctx.paths, name!);
      const document = JSON.parse(policy.document);
      return ctx.print({ ...policy, document }, JSON.stringify(document, null, 2));
    }
    case "remove":
      await removePolicy(ctx.paths, name!);
      return ctx.print({ removed: name }, `removed policy ${name}`);
    case "attach":
      await attachPolicy(ctx.paths, name!, other!);
      return ctx.print({ attached: name, user: other }, `attached ${name} to ${other}`);
    default:
      await detachPolicy(ctx.paths, name!, other!);
      return ctx.print({ detached: name, user: other }, `detached ${name} from ${other}`);
  }
}

export const policyCommand: CommandSpec = {
  name: "policy",
  summary:
    "named IAM policies: add (FILE or - for stdin), list, show, remove, attach to and detach from users",
  usage,
  options: adminOptions(),
  run: runPolicy,
};
