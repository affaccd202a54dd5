import type { QueryParam } from "../lib/sigv4-canonical.ts";
import type { Policy } from "./policy/types.ts";
import type { SigningKey, SigV4Crypto } from "./sigv4-crypto.ts";

/** Who made a request, once authenticated. */
export interface Principal {
  kind: "root" | "user" | "session" | "anonymous";
  /** User name ("root" for the root credential, "" for anonymous). */
  name: string;
  accessKeyId: string;
  /** For kind "session": what the temporary credential was issued for. */
  session?: SessionInfo;
  /** The user's POSIX uid/gid (a session inherits its user's): owner of the files it writes. */
  posix?: { uid: number; gid: number };
  /** The 12-digit id of the account the principal belongs to; absent: the first account. */
  account?: string;
  /** A service account's key (kind "user"): its user's rights, narrowed by policy when there is one. */
  serviceAccount?: { name?: string; policy?: Policy };
}

/** An STS session: its parent's rights, narrowed by the session policy when there is one. */
export interface SessionInfo {
  parentAccessKeyId: string;
  roleArn: string;
  sessionName: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` */
  arn: string;
  policy?: Policy;
  expiresAt: Date;
  /** A web identity session: its rights are these policies, not a parent user's. */
  federated?: { provider: string; issuer: string; subject: string; policies: readonly Policy[] };
  /** A federated session (LDAP): the names of the policies that are its rights; no parent user. */
  policies?: string[];
  /** An LDAP session: the directory user's distinguished name (what MinIO's audit names). */
  ldapUserDn?: string;
  /** The session has the rights of the stored role roleArn names (not its parent's). */
  role?: boolean;
  /** Session tags: aws:PrincipalTag/<key> in the session's requests. */
  tags?: Record<string, string>;
}

/** A secret that can verify signatures made with an access key. */
export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  principal: Principal;
  /** Session token that must accompany requests signed with this key (STS). */
  sessionToken?: string;
}

/** Finds the credential of an access key, or undefined when it is unknown or disabled. */
export type CredentialLookup = (
  accessKeyId: string,
  sessionToken: string | undefined,
) => Promise<Credential | undefined>;

/** The parts of an HTTP request that signature verification reads. */
export interface SignedRequest {
  method: string;
  /** The path exactly as the server resolved it, still percent-encoded (e.g. "/b/a%20b"). */
  path: string;
  /** The raw query string without the leading "?". */
  query: string;
  /** `query` already parsed (parseQuery), when the caller has it. */
  queryParams?: readonly QueryParam[];
  headers: Headers;
  /**
   * Hex SHA-256 of the body, for services other than S3 (STS, IAM), whose clients sign the body hash
   * without sending x-amz-content-sha256; the caller reads and hashes those small bodies first.
   * When absent there, the empty body's hash is used.
   */
  bodySha256?: string;
  /** The bucket a virtual-hosted request names in its Host: SigV2 signs it as part of the resource. */
  virtualBucket?: string;
}

/** How the request body is protected, as declared by x-amz-content-sha256. */
export type PayloadMode =
  | { kind: "unsigned" }
  | { kind: "sha256"; hex: string }
  | { kind: "streaming-signed"; trailer: boolean }
  | { kind: "streaming-unsigned-trailer" };

/** Everything needed to verify aws-chunked chunk signatures after the headers checked out. */
export interface ChunkSigningContext {
  signingKey: SigningKey;
  /** The crypto that derived signingKey; chunk signatures are checked with the same. */
  crypto: SigV4Crypto;
  /** yyyymmddThhmmssZ */
  amzDate: string;
  /** date/region/service/aws4_request */
  scope: string;
  /** The request signature: the seed of the chunk signature chain. */
  seedSignature: string;
}

export type AuthResult =
  | { kind: "anonymous"; principal: Principal; payload: PayloadMode }
  | {
      kind: "sigv4";
      /** "AWS" when signed with Signature Version 2 (HMAC-SHA1); absent for SigV4. */
      signatureVersion?: "AWS";
      principal: Principal;
      credential: Credential;
      presigned: boolean;
      payload: PayloadMode;
      chunkSigning?: ChunkSigningContext;
      /** When the signature was made (X-Amz-Date); for a SigV2 presigned URL, when it was checked. */
      signedAt: Date;
      /** A POST form's policy signature instead of the request's: SigV4 or SigV2 (`AWS`). */
      postForm?: "AWS4-HMAC-SHA256" | "AWS";
    };
