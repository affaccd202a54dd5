/**
 * Self-contained STS session tokens: the temporary credential and its limits, encrypted and
 * authenticated (JWE, dir + A256GCM) under a token key named by `kid`, so any host or the edge can
 * open one with the key alone and no session store. Web-standard only.
 */
import { CompactEncrypt, type CompactJWEHeaderParameters, compactDecrypt } from "jose";

/** A token key: 32 random bytes and the short id that names it in token headers. */
export interface TokenKey {
  id: string;
  key: Uint8Array;
}

/** What a session token carries. */
export interface SessionClaims {
  accessKeyId: string;
  secretAccessKey: string;
  /** The user whose rights the session inherits (and narrows). */
  parentUser: string;
  /** The parent's access key that asked for the session: disabling it revokes the session. */
  parentAccessKeyId: string;
  roleArn: string;
  sessionName: string;
  /** The session policy (JSON), if one narrowed the session. */
  policy?: string;
  /**
   * A federated session (LDAP): the names of the policies that are its rights, instead of a
   * parent user's; parentUser then names the external identity.
   */
  policies?: string[];
  /** An LDAP session: the distinguished name of the directory user who logged in. */
  ldapUserDn?: string;
  /** The session has the rights of the stored role roleArn names, not its parent's. */
  roleSession?: boolean;
  /** Session tags (aws:PrincipalTag/<key> in its requests). */
  tags?: Record<string, string>;
  /** The tag keys that pass on to a chained role session. */
  transitiveTagKeys?: string[];
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds. */
  expiresAt: number;
  /** A web identity session (AssumeRoleWithWebIdentity): no parent user, its own policies. */
  federated?: FederatedClaims;
}

/** Who an OIDC provider said the caller is, and the identity policies (JSON) mapped from it. */
export interface FederatedClaims {
  /** The provider's name in s3dir (`s3dir oidc list`). */
  provider: string;
  /** The token's `iss`. */
  issuer: string;
  /** The token's `sub`. */
  subject: string;
  /** The identity policy documents (JSON) the session was granted when it was issued. */
  policies: string[];
}

interface Payload {
  v: 1;
  ak: string;
  sk: string;
  pu: string;
  pk: string;
  ra: string;
  sn: string;
  po?: string;
  fp?: string[];
  ld?: string;
  rs?: 1;
  tg?: Record<string, string>;
  tt?: string[];
  iat: number;
  exp: number;
  fe?: { p: string; i: string; s: string; po: string[] };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const decryptOptions = { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] };

export async function sealSessionToken(claims: SessionClaims, key: TokenKey): Promise<string> {
  const payload: Payload = {
    v: 1,
    ak: claims.accessKeyId,
    sk: claims.secretAccessKey,
    pu: claims.parentUser,
    pk: claims.parentAccessKeyId,
    ra: claims.roleArn,
    sn: claims.sessionName,
    po: claims.policy,
    fp: claims.policies,
    ...(claims.ldapUserDn ? { ld: claims.ldapUserDn } : {}),
    ...(claims.roleSession ? { rs: 1 as const } : {}),
    ...(claims.tags && Object.keys(claims.tags).length > 0 ? { tg: claims.tags } : {}),
    ...(claims.transitiveTagKeys?.length ? { tt: claims.transitiveTagKeys } : {}),
    iat: claims.issuedAt,
    exp: claims.expiresAt,
  };
  const fed = claims.federated;
  if (fed) payload.fe = { p: fed.provider, i: fed.issuer, s: fed.subject, po: fed.policies };
  return await new CompactEncrypt(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: key.id, typ: "s3dir-session" })
    .encrypt(key.key);
}

/**
 * Opens a token; undefined when it is malformed, forged, or sealed with a key not in `keyOf`
 * (unknown or rotated away). Expiry is not checked here: the caller reports ExpiredToken.
 */
export async function openSessionToken(
  token: string,
  keyOf: (id: string) => TokenKey | undefined,
): Promise<SessionClaims | undefined> {
  if (token.length > 16_384 || token.split(".").length !== 5) return undefined;
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(
      token,
      (header: CompactJWEHeaderParameters) => {
        const key = typeof header.kid === "string" ? keyOf(header.kid) : undefined;
        if (!key) throw new Error("unknown token key");
        return key.key;
      },
      decryptOptions,
    );
    if (protectedHeader.typ !== "s3dir-session") return undefined;
    const p = JSON.parse(decoder.decode(plaintext)) as Partial<Payload>;
    if (
      p.v !== 1 ||
      typeof p.ak !== "string" ||
      typeof p.sk !== "string" ||
      typeof p.pu !== "string" ||
      typeof p.pk !== "string" ||
      typeof p.ra !== "string" ||
      typeof p.sn !== "string" ||
      typeof p.iat !== "number" ||
      typeof p.exp !== "number" ||
      (p.po !== undefined && typeof p.po !== "string") ||
      (p.fe !== undefined && !isFederated(p.fe)) ||
      (p.fp !== undefined && !(Array.isArray(p.fp) && p.fp.every((n) => typeof n === "string"))) ||
      (p.ld !== undefined && typeof p.ld !== "string") ||
      (p.rs !== undefined && p.rs !== 1) ||
      (p.tg !== undefined && !isStringRecord(p.tg)) ||
      (p.tt !== undefined && !(Array.isArray(p.tt) && p.tt.every((k) => typeof k === "string")))
    ) {
      return undefined;
    }
    return {
      accessKeyId: p.ak,
      secretAccessKey: p.sk,
      parentUser: p.pu,
      parentAccessKeyId: p.pk,
      roleArn: p.ra,
      sessionName: p.sn,
      policy: p.po,
      ...(p.fp ? { policies: p.fp } : {}),
      ...(p.ld ? { ldapUserDn: p.ld } : {}),
      ...(p.rs === 1 ? { roleSession: true } : {}),
      ...(p.tg ? { tags: p.tg } : {}),
      ...(p.tt ? { transitiveTagKeys: p.tt } : {}),
      issuedAt: p.iat,
      expiresAt: p.exp,
      ...(p.fe
        ? { federated: { provider: p.fe.p, issuer: p.fe.i, subject: p.fe.s, policies: p.fe.po } }
        : {}),
    };
  } catch {
    return undefined;
  }
}

function isFederated(fe: unknown): fe is Payload["fe"] {
  const f = fe as Record<string, unknown> | null;
  return (
    typeof f === "object" &&
    f !== null &&
    typeof f.p === "string" &&
    typeof f.i === "string" &&
    typeof f.s === "string" &&
    Array.isArray(f.po) &&
    f.po.every((x) => typeof x === "string")
  );
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string")
  );
}

/** The name of a role ARN (`arn:aws:iam::123:role/path/Name` → `Name`), for the assumed-role ARN. */
export function roleNameOf(roleArn: string): string {
  const resource = roleArn.split(":").slice(5).join(":");
  const name = resource.split("/").at(-1);
  return name || "role";
}
