import { type FederatedClaims, sealSessionToken, type TokenKey } from "./session-token.ts";

const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function randomString(alphabet: string, length: number): string {
  // 256 is a multiple of both alphabets' sizes (32, 64): no modulo bias.
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

export interface SessionRequest {
  parentUser: string;
  parentAccessKeyId: string;
  roleArn: string;
  sessionName: string;
  /** Session policy JSON, already validated. */
  policy?: string;
  /** A federated session's policy names (see SessionClaims.policies). */
  policies?: string[];
  /** An LDAP session: the directory user's DN (see SessionClaims.ldapUserDn). */
  ldapUserDn?: string;
  /** The session gets the rights of the stored role roleArn names. */
  roleSession?: boolean;
  tags?: Record<string, string>;
  transitiveTagKeys?: string[];
  durationSeconds: number;
  /** Epoch ms; defaults to now. */
  now?: number;
  /** For a web identity session: the federated caller and its policies. */
  federated?: FederatedClaims;
}

export interface IssuedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Mints temporary credentials: a fresh ASIA… key and secret, sealed into a self-contained token. */
export async function issueSession(request: SessionRequest, key: TokenKey): Promise<IssuedSession> {
  const issuedAt = Math.floor((request.now ?? Date.now()) / 1000);
  const expiresAt = issuedAt + request.durationSeconds;
  const accessKeyId = `ASIA${randomString(base32, 16)}`;
  const secretAccessKey = randomString(secretAlphabet, 40);
  const sessionToken = await sealSessionToken(
    {
      accessKeyId,
      secretAccessKey,
      parentUser: request.parentUser,
      parentAccessKeyId: request.parentAccessKeyId,
      roleArn: request.roleArn,
      sessionName: request.sessionName,
      policy: request.policy,
      policies: request.policies,
      ...(request.ldapUserDn ? { ldapUserDn: request.ldapUserDn } : {}),
      roleSession: request.roleSession,
      tags: request.tags,
      transitiveTagKeys: request.transitiveTagKeys,
      issuedAt,
      expiresAt,
      federated: request.federated,
    },
    key,
  );
  return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(expiresAt * 1000) };
}
