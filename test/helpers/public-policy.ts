import { DeletePublicAccessBlockCommand, PutBucketPolicyCommand, type S3Client } from "@aws-sdk/client-s3";

/**
 * Lets anyone (Principal "*") do `action` on `resource` (an ARN without its "arn:aws:s3:::"),
 * by a bucket policy. New buckets block public policies (AWS's default since 2023), so the
 * bucket's public access block is removed first.
 */
export async function allowAnyone(
  s3: S3Client,
  bucket: string,
  action: string,
  resource: string,
): Promise<void> {
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: "*", Action: action, Resource: `arn:aws:s3:::${resource}` },
        ],
      }),
    }),
  );
}
