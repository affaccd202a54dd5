import { mkdir } from "node:fs/promises";
import * as v from "valibot";
import { IamError } from "./iam-error.ts";
import { discoverOidc } from "./oidc-discovery.ts";
import {
  defaultClaimName,
  defaultProviderName,
  type OidcProviderRecord,
  oidcProviderFile,
  oidcProviderNameSchema,
  oidcProviderSchema,
  oidcProvidersDir,
} from "./oidc-records.ts";
import { listJsonNames } from "./user-files.ts";
import {
  createEntity,
  readEntity,
  removeEntity,
  replaceEntity,
  VersionConflictError,
} from "./versioned-file.ts";

export interface OidcProviderInput {
  issuer?: string;
  name?: string;
  /** Accepted audiences (client ids); undefined keeps what is there on update. */
  clientIds?: string[];
  claimName?: string;
  /** Skip discovery (the issuer must still be a URL); for hosts that cannot reach it now. */
  skipDiscovery?: boolean;
}

function checkName(name: string): string {
  const result = v.safeParse(oidcProviderNameSchema, name);
  if (!result.success)
    throw new IamError("ValidationError", `invalid provider name '${name}': ${result.issues[0].message}`);
  return name;
}

function checkIssuer(issuer: string): string {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new IamError("ValidationError", `--issuer ${issuer} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new IamError("ValidationError", `--issuer ${issuer} is not an http(s) URL`);
  if (url.search || url.hash)
    throw new IamError("ValidationError", `--issuer ${issuer} must have no query or fragment`);
  return issuer;
}

async function discoverOrFail(issuer: string): Promise<void> {
  try {
    await discoverOidc(issuer);
  } catch (e) {
    throw new IamError(
      "ValidationError",
      `OpenID Connect discovery failed for ${issuer}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

export async function listOidcProviders(root: string): Promise<OidcProviderRecord[]> {
  const dir = oidcProvidersDir(root);
  const records = await Promise.all(
    (await listJsonNames(dir)).map((name) => readEntity(oidcProviderFile(root, name), oidcProviderSchema)),
  );
  return records.filter((r): r is OidcProviderRecord => r !== undefined);
}

export async function getOidcProvider(root: string, name: string): Promise<OidcProviderRecord> {
  const record = await readEntity(oidcProviderFile(root, checkName(name)), oidcProviderSchema);
  if (!record) throw new IamError("NoSuchEntity", `no OIDC provider ${name}`);
  return record;
}

/** Adds a provider after checking its discovery document; one issuer is configured once. */
export async function addOidcProvider(root: string, input: OidcProviderInput): Promise<OidcProviderRecord> {
  if (!input.issuer) throw new IamError("ValidationError", "--issuer is required");
  const issuer = checkIssuer(input.issuer);
  const name = checkName(input.name ?? defaultProviderName(issuer));
  if ((await listOidcProviders(root)).some((p) => p.issuer === issuer))
    throw new IamError("EntityAlreadyExists", `an OIDC provider for ${issuer} already exists`);
  if (!input.skipDiscovery) await discoverOrFail(issuer);
  const record: OidcProviderRecord = {
    name,
    issuer,
    clientIds: input.clientIds ?? [],
    claimName: input.claimName ?? defaultClaimName,
    created: new Date().toISOString(),
    version: 1,
  };
  await mkdir(oidcProvidersDir(root), { recursive: true, mode: 0o700 });
  try {
    await createEntity(oidcProviderFile(root, name), record);
  } catch (e) {
    if (e instanceof VersionConflictError)
      throw new IamError("EntityAlreadyExists", `OIDC provider ${name} already exists`);
    throw e;
  }
  return record;
}

/** Changes the issuer, audiences or claim name of a provider. */
export async function updateOidcProvider(
  root: string,
  input: OidcProviderInput,
): Promise<OidcProviderRecord> {
  if (!input.name) throw new IamError("ValidationError", "the provider's name is required");
  const current = await getOidcProvider(root, input.name);
  const issuer = input.issuer === undefined ? current.issuer : checkIssuer(input.issuer);
  if (issuer !== current.issuer && !input.skipDiscovery) await discoverOrFail(issuer);
  const next: OidcProviderRecord = {
    ...current,
    issuer,
    clientIds: input.clientIds ?? current.clientIds,
    claimName: input.claimName ?? current.claimName,
    version: current.version + 1,
  };
  await replaceEntity(oidcProviderFile(root, current.name), oidcProviderSchema, next);
  return next;
}

export async function removeOidcProvider(root: string, name: string): Promise<void> {
  const current = await getOidcProvider(root, name);
  await removeEntity(oidcProviderFile(root, name), oidcProviderSchema, current.version);
}
