import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  aws,
  errorCodeOf,
  expectOk,
  py,
  sdkFailure,
  signedFetch,
  uniqueBucket,
  useHost,
  virtualHostClient,
  xmlValue,
} from "../helpers/index.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const domain = "s3.localhost";
const { server, s3 } = useHost({ bucket: false, args: ["--domain", domain] });

describe("CreateBucket and ListBuckets", () => {
  test("created buckets are listed with a creation date and an owner", async () => {
    const names = [uniqueBucket("list-a"), uniqueBucket("list-b")];
    for (const name of names) {
      const created = await s3.send(new CreateBucketCommand({ Bucket: name }));
      expect(created.$metadata.httpStatusCode).toBe(200);
      expect(created.Location).toBe(`/${name}`);
    }
    const listed = await s3.send(new ListBucketsCommand({}));
    const byName = new Map((listed.Buckets ?? []).map((b) => [b.Name, b]));
    for (const name of names) {
      expect(byName.has(name)).toBe(true);
      const created = byName.get(name)!.CreationDate!;
      expect(Math.abs(created.getTime() - Date.now())).toBeLessThan(5 * 60_000);
    }
    expect(listed.Owner?.ID).toBeTruthy();
    const listedNames = (listed.Buckets ?? []).map((b) => b.Name!);
    expect(listedNames).toEqual([...listedNames].sort());
  });

  test("a bucket name with dots is valid", async () => {
    const name = `${uniqueBucket("dots")}.example.com`;
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "x", Body: "x" }));
    const got = await s3.send(new GetObjectCommand({ Bucket: name, Key: "x" }));
    expect(await got.Body!.transformToString()).toBe("x");
  });

  const invalidNames = [
    "ab",
    "a".repeat(64),
    "UpperCase",
    "under_score",
    "-leading-dash",
    "trailing-dash-",
    ".leading-dot",
    "trailing-dot.",
    "two..dots",
    "192.168.1.1",
    "spaces%20in",
    "xn--punycode",
    "sthree-reserved",
    "access-point-s3alias",
    "object-lambda--ol-s3",
    "dot.-dash",
    "dash-.dot",
    "amzn-s3-demo-bucket",
    "multi-region.mrap",
    "directory--x-s3",
    "tables--table-s3",
  ];
  for (const name of invalidNames) {
    test(`invalid name ${JSON.stringify(name)} → 400 InvalidBucketName, nothing created`, async () => {
      const response = await signedFetch(server, `/${name}`, { method: "PUT" });
      expect(response.status).toBe(400);
      expect(errorCodeOf(await response.text())).toBe("InvalidBucketName");
      const listed = await s3.send(new ListBucketsCommand({}));
      expect((listed.Buckets ?? []).map((b) => b.Name)).not.toContain(decodeURIComponent(name));
    });
  }

  test("creating one's own bucket again in us-east-1 → 200 as AWS (legacy), contents kept", async () => {
    const name = uniqueBucket("again");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "keep.txt", Body: "kept" }));
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const got = await s3.send(new GetObjectCommand({ Bucket: name, Key: "keep.txt" }));
    expect(await got.Body!.transformToString()).toBe("kept");
  });

  test("a malformed CreateBucketConfiguration body → 400 MalformedXML", async () => {
    const name = uniqueBucket("badxml");
    const response = await signedFetch(server, `/${name}`, {
      method: "PUT",
      body: "<CreateBucketConfiguration><LocationConstraint>us-east-1</CreateBucketConfiguration>",
      signPayload: true,
    });
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("MalformedXML");
  });
});

describe("HeadBucket, GetBucketLocation, DeleteBucket", () => {
  test("HeadBucket answers 200 with x-amz-bucket-region", async () => {
    const name = uniqueBucket("head");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const response = await signedFetch(server, `/${name}`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-amz-bucket-region")).toBe("us-east-1");
    const head = await s3.send(new HeadBucketCommand({ Bucket: name }));
    expect(head.BucketRegion).toBe("us-east-1");
  });

  test("HeadBucket on a missing bucket → 404 without a body", async () => {
    const response = await signedFetch(server, `/${uniqueBucket("nope")}`, { method: "HEAD" });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("");
    const failure = await sdkFailure(s3.send(new HeadBucketCommand({ Bucket: uniqueBucket("nope") })));
    expect(failure.status).toBe(404);
  });

  test("GetBucketLocation is empty for us-east-1", async () => {
    const name = uniqueBucket("loc");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const response = await signedFetch(server, `/${name}`, { query: "location" });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toMatch(/<LocationConstraint[^>]*(\/>|><\/LocationConstraint>)/);
    expect(xmlValue(body, "LocationConstraint") ?? "").toBe("");
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: name }));
    expect(location.LocationConstraint ?? "").toBe("");
  });

  test("DeleteBucket of a non-empty bucket → 409 BucketNotEmpty; once empty it is deleted", async () => {
    const name = uniqueBucket("del");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "dir/file.txt", Body: "data" }));
    const failure = await sdkFailure(s3.send(new DeleteBucketCommand({ Bucket: name })));
    expect(failure).toMatchObject({ name: "BucketNotEmpty", status: 409 });
    const got = await s3.send(new GetObjectCommand({ Bucket: name, Key: "dir/file.txt" }));
    expect(await got.Body!.transformToString()).toBe("data");

    const empty = await signedFetch(server, `/${name}/dir/file.txt`, { method: "DELETE" });
    expect(empty.status).toBe(204);
    const deleted = await signedFetch(server, `/${name}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect((await signedFetch(server, `/${name}`, { method: "HEAD" })).status).toBe(404);
    const listed = await s3.send(new ListBucketsCommand({}));
    expect((listed.Buckets ?? []).map((b) => b.Name)).not.toContain(name);
  });

  test("DeleteBucket of a missing bucket → 404 NoSuchBucket", async () => {
    const failure = await sdkFailure(s3.send(new DeleteBucketCommand({ Bucket: uniqueBucket("gone") })));
    expect(failure).toMatchObject({ name: "NoSuchBucket", status: 404 });
  });
});

describe("virtual-hosted–style addressing", () => {
  test("the SDK creates, writes, lists and reads through BUCKET.DOMAIN", async () => {
    const vh = virtualHostClient(server, domain);
    try {
      const name = uniqueBucket("vhost");
      await vh.send(new CreateBucketCommand({ Bucket: name }));
      await vh.send(new PutObjectCommand({ Bucket: name, Key: "dir/a b.txt", Body: "virtual" }));
      const listed = await vh.send(new ListObjectsV2Command({ Bucket: name }));
      expect((listed.Contents ?? []).map((c) => c.Key)).toEqual(["dir/a b.txt"]);
      const got = await vh.send(new GetObjectCommand({ Bucket: name, Key: "dir/a b.txt" }));
      expect(await got.Body!.transformToString()).toBe("virtual");
      // The same bucket through path-style addressing.
      const viaPath = await s3.send(new GetObjectCommand({ Bucket: name, Key: "dir/a b.txt" }));
      expect(await viaPath.Body!.transformToString()).toBe("virtual");
      const buckets = await vh.send(new ListBucketsCommand({}));
      expect((buckets.Buckets ?? []).map((b) => b.Name)).toContain(name);
    } finally {
      vh.destroy();
    }
  });

  test("raw signed requests with Host BUCKET.DOMAIN:PORT", async () => {
    const name = uniqueBucket("vhraw");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const host = `${name}.${domain}:${server.port}`;
    const put = await signedFetch(server, "/k%2Bplus/x.txt", { method: "PUT", body: "raw vhost", host });
    expect(put.status).toBe(200);
    const got = await signedFetch(server, "/k%2Bplus/x.txt", { host });
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("raw vhost");
    const viaPath = await s3.send(new GetObjectCommand({ Bucket: name, Key: "k+plus/x.txt" }));
    expect(await viaPath.Body!.transformToString()).toBe("raw vhost");
    const list = await signedFetch(server, "/", { host, query: "list-type=2" });
    expect(list.status).toBe(200);
    expect(xmlValue(await list.text(), "Key")).toBe("k+plus/x.txt");
    const head = await signedFetch(server, "/", { method: "HEAD", host });
    expect(head.status).toBe(200);
    const missing = await signedFetch(server, "/x", {
      host: `${uniqueBucket("none")}.${domain}:${server.port}`,
    });
    expect(missing.status).toBe(404);
    expect(errorCodeOf(await missing.text())).toBe("NoSuchBucket");
  });
});

describe("other clients", () => {
  test("AWS CLI: mb, list-buckets, head-bucket, get-bucket-location, rb", async () => {
    const name = uniqueBucket("cli");
    const mb = await aws(server, ["s3", "mb", `s3://${name}`]);
    expectOk(mb);
    expect(mb.stdout).toContain(`make_bucket: ${name}`);
    const list = expectOk(await aws(server, ["s3api", "list-buckets"])) as { Buckets: { Name: string }[] };
    const buckets = list.Buckets.map((b) => b.Name);
    expect(buckets).toContain(name);
    expectOk(await aws(server, ["s3api", "head-bucket", "--bucket", name]));
    const location = expectOk(await aws(server, ["s3api", "get-bucket-location", "--bucket", name]));
    expect((location as { LocationConstraint: string | null }).LocationConstraint ?? null).toBeNull();
    expectOk(await aws(server, ["s3api", "create-bucket", "--bucket", name]));
    expectOk(await aws(server, ["s3", "rb", `s3://${name}`]));
    const missing = await aws(server, ["s3api", "head-bucket", "--bucket", name]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("404");
  });

  test("boto3: create, head, list, location, delete", async () => {
    const name = uniqueBucket("boto");
    const result = await py(
      server,
      `
      name = ${JSON.stringify(name)}
      s3.create_bucket(Bucket=name)
      head = s3.head_bucket(Bucket=name)
      names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
      loc = s3.get_bucket_location(Bucket=name)["LocationConstraint"]
      s3.delete_bucket(Bucket=name)
      try:
          s3.head_bucket(Bucket=name)
          after = 200
      except botocore.exceptions.ClientError as e:
          after = e.response["ResponseMetadata"]["HTTPStatusCode"]
      out({"region": head["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region"),
           "listed": name in names, "location": loc, "after": after})
      `,
    );
    expect(expectOk(result)).toEqual({ region: "us-east-1", listed: true, location: null, after: 404 });
  });
});
