/** Versioning as the AWS CLI, boto3 and `s3dir bucket versioning` use it. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetBucketVersioningCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  aws,
  expectOk,
  py,
  s3Client,
  s3dirCli,
  startServer,
  type TestServer,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(120_000);

let root: string;
let work: string;
let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "s3dir-vclients-"));
  work = mkdtempSync(join(tmpdir(), "s3dir-vclients-work-"));
  server = await startServer({ root });
  s3 = s3Client(server);
});
afterAll(async () => {
  s3?.destroy();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

interface CliVersion {
  Key: string;
  VersionId: string;
  IsLatest: boolean;
}

describe("the AWS CLI", () => {
  test("put-bucket-versioning, versions of put-object, list-object-versions by pages, get and delete by id", async () => {
    const bucket = uniqueBucket("vcli");
    expectOk(await aws(server, ["s3api", "create-bucket", "--bucket", bucket]));
    expectOk(
      await aws(server, [
        "s3api",
        "put-bucket-versioning",
        "--bucket",
        bucket,
        "--versioning-configuration",
        "Status=Enabled",
      ]),
    );
    expect(expectOk(await aws(server, ["s3api", "get-bucket-versioning", "--bucket", bucket]))).toEqual({
      Status: "Enabled",
    });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const file = join(work, `body-${n}.txt`);
      await Bun.write(file, `body ${n}`);
      const put = expectOk(
        await aws(server, ["s3api", "put-object", "--bucket", bucket, "--key", "f.txt", "--body", file]),
      ) as { VersionId: string };
      ids.unshift(put.VersionId);
    }
    const [newest, middle, oldest] = ids as [string, string, string];
    const listed = expectOk(
      await aws(server, ["s3api", "list-object-versions", "--bucket", bucket, "--page-size", "1"]),
    ) as { Versions: CliVersion[] };
    expect(listed.Versions.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [newest, true],
      [middle, false],
      [oldest, false],
    ]);

    const out = join(work, "got.txt");
    const got = expectOk(
      await aws(server, [
        "s3api",
        "get-object",
        "--bucket",
        bucket,
        "--key",
        "f.txt",
        "--version-id",
        oldest,
        out,
      ]),
    ) as { VersionId: string };
    expect(got.VersionId).toBe(oldest);
    expect(readFileSync(out, "utf8")).toBe("body 1");

    const removed = expectOk(
      await aws(server, [
        "s3api",
        "delete-object",
        "--bucket",
        bucket,
        "--key",
        "f.txt",
        "--version-id",
        newest,
      ]),
    ) as { VersionId: string };
    expect(removed.VersionId).toBe(newest);
    expectOk(await aws(server, ["s3", "rm", `s3://${bucket}/f.txt`]));
    const after = expectOk(await aws(server, ["s3api", "list-object-versions", "--bucket", bucket])) as {
      Versions: CliVersion[];
      DeleteMarkers: CliVersion[];
    };
    expect(after.DeleteMarkers.map((m) => m.IsLatest)).toEqual([true]);
    expect(after.Versions.map((v) => v.VersionId)).toEqual([middle, oldest]);
    const missing = await aws(server, ["s3api", "head-object", "--bucket", bucket, "--key", "f.txt"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("404");
  });
});

describe("boto3", () => {
  test("the list_object_versions paginator, a delete-marker HEAD, and emptying a versioned bucket to delete it", async () => {
    const bucket = uniqueBucket("vboto");
    const result = await py(
      server,
      `
      bucket = ${JSON.stringify(bucket)}
      s3.create_bucket(Bucket=bucket)
      s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
      made = []
      for key in ["a", "b/c", "d"]:
          for n in range(2):
              made.append(s3.put_object(Bucket=bucket, Key=key, Body=f"{key}{n}".encode())["VersionId"])
      marker = s3.delete_object(Bucket=bucket, Key="d")
      pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2})
      listed = []
      for page in pages:
          for v in page.get("Versions", []):
              listed.append([v["Key"], v["VersionId"], v["IsLatest"], False])
          for m in page.get("DeleteMarkers", []):
              listed.append([m["Key"], m["VersionId"], m["IsLatest"], True])
      try:
          s3.head_object(Bucket=bucket, Key="d", VersionId=marker["VersionId"])
          head = None
      except botocore.exceptions.ClientError as e:
          head = [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker")]
      try:
          s3.delete_bucket(Bucket=bucket)
          refused = None
      except botocore.exceptions.ClientError as e:
          refused = e.response["Error"]["Code"]
      boto3.resource("s3", endpoint_url=os.environ["S3_ENDPOINT"]).Bucket(bucket).object_versions.delete()
      s3.delete_bucket(Bucket=bucket)
      out({"made": made, "marker": [marker["DeleteMarker"], marker["VersionId"]], "listed": listed, "head": head, "refused": refused})
      `,
    );
    const json = expectOk(result) as {
      made: string[];
      marker: [boolean, string];
      listed: [string, string, boolean, boolean][];
      head: [number, string];
      refused: string;
    };
    expect(json.marker[0]).toBe(true);
    expect(json.listed.length).toBe(7);
    expect(new Set(json.listed.map((l) => l[1]))).toEqual(new Set([...json.made, json.marker[1]]));
    expect(json.listed.filter((l) => l[3])).toEqual([["d", json.marker[1], true, true]]);
    expect(json.head).toEqual([405, "true"]);
    expect(json.refused).toBe("BucketNotEmpty");
  });
});

describe("s3dir bucket versioning", () => {
  test("enable, suspend and get on the root; hosts answer the new state", async () => {
    const bucket = uniqueBucket("vadmin");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const run = async (...args: string[]) => {
      const r = await s3dirCli(root, "bucket", "versioning", ...args, "--json");
      if (r.code !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as { bucket: string; versioning: string };
    };
    expect(await run("get", bucket)).toEqual({ bucket, versioning: "Unversioned" });
    expect(await run("enable", bucket)).toEqual({ bucket, versioning: "Enabled" });
    const status = async () => (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
    expect(await waitFor(async () => (await status()) === "Enabled")).toBe(true);
    expect(await run("suspend", bucket)).toEqual({ bucket, versioning: "Suspended" });
    expect(await run("get", bucket)).toEqual({ bucket, versioning: "Suspended" });
    expect(await waitFor(async () => (await status()) === "Suspended")).toBe(true);

    const usage = await s3dirCli(root, "bucket", "versioning", "off", bucket);
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toContain("s3dir bucket versioning ACTION BUCKET");
    const missing = await s3dirCli(root, "bucket", "versioning", "get", uniqueBucket("vnone"));
    expect(missing.code).not.toBe(0);
  });
});
