/** Object and bucket tags as the AWS CLI (s3api) and boto3 (including upload_file in parts) use them. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aws, expectOk, py, uniqueBucket, useHost } from "../helpers/index.ts";

setDefaultTimeout(120_000);

const host = useHost({ bucket: false });
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "s3dir-tag-clients-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the AWS CLI", () => {
  test("put-object --tagging, put/get/delete-object-tagging, head-object, put/get/delete-bucket-tagging", async () => {
    const bucket = uniqueBucket("tagcli");
    const api = async (...args: string[]) =>
      expectOk(await aws(host.server, ["s3api", ...args, "--bucket", bucket]));
    await api("create-bucket");
    const file = join(work, "body.txt");
    await Bun.write(file, "report");
    await api("put-object", "--key", "r.txt", "--body", file, "--tagging", "dept=finance&year=2026");
    expect(await api("get-object-tagging", "--key", "r.txt")).toEqual({
      TagSet: [
        { Key: "dept", Value: "finance" },
        { Key: "year", Value: "2026" },
      ],
    });
    await api(
      "put-object-tagging",
      "--key",
      "r.txt",
      "--tagging",
      JSON.stringify({ TagSet: [{ Key: "state", Value: "final" }] }),
    );
    expect(await api("get-object-tagging", "--key", "r.txt")).toEqual({
      TagSet: [{ Key: "state", Value: "final" }],
    });
    expect(
      ((await api("get-object", "--key", "r.txt", join(work, "out.txt"))) as { TagCount: number }).TagCount,
    ).toBe(1);
    await api("delete-object-tagging", "--key", "r.txt");
    expect(await api("get-object-tagging", "--key", "r.txt")).toEqual({ TagSet: [] });

    await api(
      "put-bucket-tagging",
      "--tagging",
      JSON.stringify({ TagSet: [{ Key: "owner", Value: "ops" }] }),
    );
    expect(await api("get-bucket-tagging")).toEqual({ TagSet: [{ Key: "owner", Value: "ops" }] });
    await api("delete-bucket-tagging");
    const missing = await aws(host.server, ["s3api", "get-bucket-tagging", "--bucket", bucket]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("NoSuchTagSet");
  });
});

describe("boto3", () => {
  test("put_object Tagging, copy_object TaggingDirective, upload_file in parts with Tagging, the errors", async () => {
    const bucket = uniqueBucket("tagpy");
    const result = await py(
      host.server,
      `
      from boto3.s3.transfer import TransferConfig
      bucket = ${JSON.stringify(bucket)}
      s3.create_bucket(Bucket=bucket)
      s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="a=1&b=two%20words")
      s3.copy_object(Bucket=bucket, Key="kept", CopySource={"Bucket": bucket, "Key": "src"})
      s3.copy_object(Bucket=bucket, Key="replaced", CopySource={"Bucket": bucket, "Key": "src"},
                     TaggingDirective="REPLACE", Tagging="c=3")
      path = os.path.join(${JSON.stringify(work)}, "big.bin")
      with open(path, "wb") as f:
          f.write(b"z" * (6 * 1024 * 1024))
      s3.upload_file(path, bucket, "big", ExtraArgs={"Tagging": "kind=large"},
                     Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
      def code(call):
          try:
              call()
              return "ok"
          except botocore.exceptions.ClientError as e:
              return e.response["Error"]["Code"]
      out({
          "src": s3.get_object_tagging(Bucket=bucket, Key="src")["TagSet"],
          "kept": s3.get_object_tagging(Bucket=bucket, Key="kept")["TagSet"],
          "replaced": s3.get_object_tagging(Bucket=bucket, Key="replaced")["TagSet"],
          "big": s3.get_object_tagging(Bucket=bucket, Key="big")["TagSet"],
          "bigParts": s3.head_object(Bucket=bucket, Key="big")["ETag"].endswith('-2"'),
          "tooMany": code(lambda: s3.put_object_tagging(Bucket=bucket, Key="src",
              Tagging={"TagSet": [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]})),
          "badKey": code(lambda: s3.put_object_tagging(Bucket=bucket, Key="src",
              Tagging={"TagSet": [{"Key": "a*", "Value": "v"}]})),
      })
      `,
    );
    expect(expectOk(result)).toEqual({
      src: [
        { Key: "a", Value: "1" },
        { Key: "b", Value: "two words" },
      ],
      kept: [
        { Key: "a", Value: "1" },
        { Key: "b", Value: "two words" },
      ],
      replaced: [{ Key: "c", Value: "3" }],
      big: [{ Key: "kind", Value: "large" }],
      bigParts: true,
      tooMany: "BadRequest",
      badKey: "InvalidTag",
    });
  });
});
