import type { AuthResult, CredentialLookup } from "../auth/types.ts";
import type { ObjectStore, ObjectTag } from "../storage/index.ts";
import type { LockFacts } from "./authorize.ts";
import type { BucketCors } from "./cors/bucket-cors.ts";
import type { RequestTarget } from "./request-target.ts";
import type { Operation } from "./routes.ts";
import type { ServerConfig } from "./server-config.ts";

/** Everything a handler needs about one request, after authentication and authorization. */
export interface S3Context {
  req: Request;
  requestId: string;
  target: RequestTarget;
  operation: Operation;
  auth: AuthResult;
  store: ObjectStore;
  config: ServerConfig;
  /** The buckets' CORS rules as this host caches them; forget() after changing them. */
  cors: BucketCors;
  /** Bytes of request body the handler consumed, for the access log. */
  bytesIn: number;
  /**
   * Checks a further action the operation implies (copy source, each key of DeleteObjects);
   * `versionId` is the version it is about, for the `s3:versionid` condition key; `lock` what a
   * body asks, for the `s3:object-lock-*` keys (otherwise read from the request's headers).
   */
  authorize(
    action: string,
    bucket: string,
    key: string,
    versionId?: string,
    lock?: LockFacts,
    tags?: ObjectTag[],
  ): Promise<void>;
}

/** What a handler that authenticates from its body (POST Object's form) needs besides. */
export interface S3Context {
  /** The credential of an access key (the same lookup as a signed header). */
  credentials: CredentialLookup;
  /** Replaces the request's principal (for authorize, the access log and the writer's owner). */
  authenticated(auth: AuthResult): void;
}

export type Handler = (ctx: S3Context) => Promise<Response>;
