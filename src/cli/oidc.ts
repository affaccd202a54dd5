import {
  addOidcProvider,
  getOidcProvider,
  listOidcProviders,
  type OidcProviderInput,
  removeOidcProvider,
  updateOidcProvider,
} from "../iam/oidc-admin.ts";
import type { OidcProviderRecord } from "../iam/oidc-records.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";

const usage = {
  add: "s3dir oidc add --issuer=URL [--client-id ID] [--audience A] [--claim-name roles] [--name N]",
  update: "s3dir oidc update NAME [--issuer URL] [--client-id ID] [--audience A] [--claim-name C]",
  remove: "s3dir oidc remove NAME",
  show: "s3dir oidc show NAME",
  list: "s3dir oidc list",
};

function describe(p: OidcProviderRecord): string {
  const audiences = p.clientIds.length ? p.clientIds.join(",") : "(any)";
  return `${p.name}\t${p.issuer}\taudience ${audiences}\tclaim ${p.claimName}`;
}

/** The client ids and audiences given (comma-separated lists), or undefined when neither is. */
function audiencesOf(options: Record<string, string>): string[] | undefined {
  const given = [options["client-id"], options.audience].filter((x): x is string => x !== undefined);
  if (given.length === 0) return undefined;
  return given.flatMap((g) =>
    g
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** `s3dir oidc add|update|remove|show|list`: the OpenID Connect providers AssumeRoleWithWebIdentity trusts. */
async function runOidc(line: CommandLine): Promise<void> {
  const [sub, [name]] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  const o = ctx.options;
  const input: OidcProviderInput = {
    issuer: o.issuer,
    name: name ?? o.name,
    clientIds: audiencesOf(o),
    claimName: o["claim-name"],
  };
  switch (sub) {
    case "add": {
      const p = await addOidcProvider(ctx.root, input);
      return ctx.print(p, `added OIDC provider ${describe(p)}`);
    }
    case "update": {
      const p = await updateOidcProvider(ctx.root, input);
      return ctx.print(p, `updated OIDC provider ${describe(p)}`);
    }
    case "remove":
      await removeOidcProvider(ctx.root, name!);
      return ctx.print({ removed: name }, `removed OIDC provider ${name}`);
    case "show": {
      const p = await getOidcProvider(ctx.root, name!);
      return ctx.print(p, describe(p));
    }
    default: {
      const all = await listOidcProviders(ctx.root);
      return ctx.print(all, all.map(describe).join("\n"));
    }
  }
}

export const oidcCommand: CommandSpec = {
  name: "oidc",
  summary: "OpenID Connect providers whose ID tokens AssumeRoleWithWebIdentity accepts",
  usage,
  options: adminOptions(
    {
      name: "issuer",
      kind: "value",
      value: "URL",
      description: "the provider's issuer URL (its tokens' iss)",
    },
    {
      name: "client-id",
      kind: "value",
      value: "ID",
      description: "a client id the tokens must be issued to (their aud); comma-separated for several",
    },
    { name: "audience", kind: "value", value: "A", description: "another accepted audience (aud)" },
    {
      name: "claim-name",
      kind: "value",
      value: "CLAIM",
      description: "the claim whose values name the session's policies (default roles)",
    },
    {
      name: "name",
      kind: "value",
      value: "N",
      description: "the provider's name (default: from the issuer)",
    },
  ),
  notes:
    "Discovery (<issuer>/.well-known/openid-configuration) must answer when a provider is added. " +
    "Without --client-id or --audience, tokens for any audience are accepted.",
  run: runOidc,
};
