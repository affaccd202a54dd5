import { join } from "node:path";
import * as v from "valibot";

/** The roles claim Weka reads by default: each value names a policy. */
export const defaultClaimName = "roles";

export const oidcProviderNameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][\w.-]{0,63}$/, "1-64 of letters, digits and ._- (starting with a letter or digit)"),
);

/** An OpenID Connect provider whose ID tokens AssumeRoleWithWebIdentity accepts. */
export const oidcProviderSchema = v.object({
  name: oidcProviderNameSchema,
  /** The issuer URL exactly as the tokens' `iss` says it (no trailing slash added or removed). */
  issuer: v.pipe(v.string(), v.url()),
  /** Accepted `aud` values: the client ids and audiences given (empty: any audience). */
  clientIds: v.array(v.string()),
  /** The claim whose values name the policies of a session (Weka's mapping). */
  claimName: v.string(),
  created: v.string(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type OidcProviderRecord = v.InferOutput<typeof oidcProviderSchema>;

/** `<root>/.s3dir/iam/oidc-providers`: shared by all accounts, like the key index. */
export function oidcProvidersDir(root: string): string {
  return join(root, ".s3dir", "iam", "oidc-providers");
}

export function oidcProviderFile(root: string, name: string): string {
  return join(oidcProvidersDir(root), `${name}.json`);
}

/** The default name of a provider: its issuer's host and path, made a file name. */
export function defaultProviderName(issuer: string): string {
  const url = new URL(issuer);
  const name = `${url.host}${url.pathname}`.replace(/\/+$/, "").replace(/[^\w.-]+/g, "-");
  return name.slice(0, 64);
}
