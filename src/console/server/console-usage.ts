/**
 * A bucket's quota usage for the console, to whoever may read the bucket. The page proves that
 * with a presigned HeadBucket for that bucket (signed with its session credentials); the host
 * replays it through its own S3 pipeline, so the same authentication, bucket policy, ACL and
 * identity-policy rules decide, and answers only when HeadBucket would have been answered 200.
 */
import { replayHeaders } from "./console-replay.ts";

export interface UsageDeps {
  /** Sends a request through the host's S3 application (auth, authorization, handlers). */
  s3(request: Request, client: ClientInfo): Promise<Response>;
  usage(bucket: string): Promise<{ used: number; hard: number | undefined }>;
}

/** Who sent the console request: the replay is judged as coming from the same address. */
export interface ClientInfo {
  remoteIp: string;
}

export interface BucketUsage {
  bucket: string;
  used: number | null;
  hard: number | null;
}

/** Bucket names as S3 allows them: nothing that could make the replayed path another resource. */
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export async function bucketUsage(
  request: Request,
  client: ClientInfo,
  deps: UsageDeps,
): Promise<Response | BucketUsage> {
  const url = new URL(request.url);
  const bucket = url.searchParams.get("bucket") ?? "";
  const proof = request.headers.get("x-s3dir-proof") ?? "";
  if (!bucketName.test(bucket) || !proof.includes("X-Amz-Signature=")) {
    return new Response("a bucket name and a presigned HeadBucket (x-s3dir-proof) are required", {
      status: 400,
    });
  }
  const replay = new Request(`${url.origin}/${bucket}?${proof.replace(/^\?/, "")}`, {
    method: "HEAD",
    headers: replayHeaders(request),
  });
  const answer = await deps.s3(replay, client);
  if (answer.status !== 200) return new Response(null, { status: answer.status === 404 ? 404 : 403 });
  const { used, hard } = await deps.usage(bucket);
  return { bucket, used: hard === undefined ? null : used, hard: hard ?? null };
}
