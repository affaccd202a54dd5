import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { xmlEscape } from "../../src/s3/xml/escape.ts";
import {
  aws,
  errorCodeOf,
  expectOk,
  md5Base64,
  objectPath,
  py,
  sdkFailure,
  signedFetch,
  uniqueBucket,
  useHost,
  xmlValues,
} from "../helpers/index.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const { server, s3 } = useHost({ bucket: false });

async function newBucket(keys: string[] = []): Promise<string> {
  const bucket = uniqueBucket("del");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of keys)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body:${key}` }));
  return bucket;
}

async function keysOf(bucket: string, prefix?: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((c) => c.Key!);
}

async function status(bucket: string, key: string): Promise<number> {
  return (await signedFetch(server, objectPath(bucket, key), { method: "HEAD" })).status;
}

function deleteXml(keys: string[], quiet = false): string {
  const objects = keys.map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`).join("");
  return `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${objects}${quiet ? "<Quiet>true</Quiet>" : ""}</Delete>`;
}

async function rawDeleteObjects(bucket: string, body: string, headers?: Record<string, string>) {
  return await signedFetch(server, `/${bucket}`, {
    method: "POST",
    query: "delete",
    body,
    headers: headers ?? { "content-md5": md5Base64(body), "content-type": "application/xml" },
  });
}

describe("DeleteObject", () => {
  test("delete → 204, then 404; deleting again is still 204", async () => {
    const bucket = await newBucket(["gone.txt", "stay.txt"]);
    const first = await signedFetch(server, objectPath(bucket, "gone.txt"), { method: "DELETE" });
    expect(first.status).toBe(204);
    expect(await status(bucket, "gone.txt")).toBe(404);
    const again = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "gone.txt" }));
    expect(again.$metadata.httpStatusCode).toBe(204);
    expect(await keysOf(bucket)).toEqual(["stay.txt"]);
  });

  test("the last key under a prefix leaves no common prefix behind", async () => {
    const bucket = await newBucket(["d/e/f.txt", "top.txt"]);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "d/e/f.txt" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    expect((listed.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual([]);
    expect((listed.Contents ?? []).map((c) => c.Key)).toEqual(["top.txt"]);
  });

  test("deleting a prefix that is not an object removes nothing below it", async () => {
    const bucket = await newBucket(["dir/child.txt"]);
    for (const key of ["dir", "dir/"]) {
      const response = await signedFetch(server, objectPath(bucket, key), { method: "DELETE" });
      expect(response.status).toBe(204);
    }
    expect(await keysOf(bucket)).toEqual(["dir/child.txt"]);
  });

  test("missing bucket → 404 NoSuchBucket", async () => {
    const failure = await sdkFailure(
      s3.send(new DeleteObjectCommand({ Bucket: uniqueBucket("none"), Key: "k" })),
    );
    expect(failure).toMatchObject({ name: "NoSuchBucket", status: 404 });
  });
});

describe("DeleteObjects", () => {
  test("existing and missing keys are all reported Deleted", async () => {
    const existing = ["a.txt", "b/c.txt", "b/d.txt", "e f.txt", "g+h.txt"];
    const bucket = await newBucket([...existing, "untouched.txt"]);
    const keys = [...existing, "missing-1", "missing/2"];
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    expect((result.Deleted ?? []).map((d) => d.Key).sort()).toEqual([...keys].sort());
    expect(result.Errors ?? []).toEqual([]);
    expect(await keysOf(bucket)).toEqual(["untouched.txt"]);
  });

  test("keys with XML specials, spaces and Unicode are matched exactly", async () => {
    const targets = [" lead", "trail ", `a&b<c>'"`, "dir/ü 日本.txt", "plus+key", "percent%2Fkey"];
    const neighbours = ["lead", "trail", "a&b", "dir/u 日本.txt", "plus key", "percent/key"];
    const bucket = await newBucket([...targets, ...neighbours]);
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: targets.map((Key) => ({ Key })) } }),
    );
    expect((result.Deleted ?? []).map((d) => d.Key).sort()).toEqual([...targets].sort());
    expect((await keysOf(bucket)).sort()).toEqual([...neighbours].sort());
  });

  test("Quiet mode reports nothing for successful deletes", async () => {
    const bucket = await newBucket(["q1", "q2"]);
    const body = deleteXml(["q1", "q2", "q3"], true);
    const response = await rawDeleteObjects(bucket, body);
    expect(response.status).toBe(200);
    const xml = await response.text();
    expect(xml).toContain("<DeleteResult");
    expect(xmlValues(xml, "Deleted")).toEqual([]);
    expect(xmlValues(xml, "Error")).toEqual([]);
    expect(await keysOf(bucket)).toEqual([]);
  });

  test("a prefix that is not an object is reported Deleted and its children stay", async () => {
    const bucket = await newBucket(["tree/leaf.txt", "other.txt"]);
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: "tree" }, { Key: "tree/" }, { Key: "other.txt" }] },
      }),
    );
    expect((result.Deleted ?? []).map((d) => d.Key).sort()).toEqual(["other.txt", "tree", "tree/"]);
    expect(await keysOf(bucket)).toEqual(["tree/leaf.txt"]);
  });

  test("one bad key does not fail the batch; errors carry Key and Code", async () => {
    const bucket = await newBucket(["ok-1", "ok-2"]);
    const tooLong = "k".repeat(1100);
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: "ok-1" }, { Key: tooLong }, { Key: "ok-2" }] },
      }),
    );
    expect(result.$metadata.httpStatusCode).toBe(200);
    const deleted = (result.Deleted ?? []).map((d) => d.Key);
    expect(deleted).toContain("ok-1");
    expect(deleted).toContain("ok-2");
    for (const error of result.Errors ?? []) {
      expect(error.Key).toBe(tooLong);
      expect(error.Code).toBeTruthy();
    }
    expect(deleted.length + (result.Errors ?? []).length).toBe(3);
    expect(await keysOf(bucket)).toEqual([]);
  });

  test("1000 keys are accepted, 1001 → 400 MalformedXML", async () => {
    const bucket = await newBucket(["k-0001", "k-0999"]);
    const many = Array.from({ length: 1001 }, (_, i) => ({ Key: `k-${String(i).padStart(4, "0")}` }));
    const failure = await sdkFailure(
      s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: many } })),
    );
    expect(failure).toMatchObject({ name: "MalformedXML", status: 400 });
    expect((await keysOf(bucket)).length).toBe(2);
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: many.slice(0, 1000), Quiet: false } }),
    );
    expect((result.Deleted ?? []).length).toBe(1000);
    expect(await keysOf(bucket)).toEqual([]);
  });

  test("an empty Key in the batch → 400 UserKeyMustBeSpecified, nothing deleted", async () => {
    const bucket = await newBucket(["x", "y"]);
    const response = await rawDeleteObjects(bucket, deleteXml(["x", "", "y"]));
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("UserKeyMustBeSpecified");
    expect(await keysOf(bucket)).toEqual(["x", "y"]);
  });

  test("an empty Delete → 400 MalformedXML", async () => {
    const bucket = await newBucket(["x"]);
    const response = await rawDeleteObjects(bucket, "<Delete></Delete>");
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("MalformedXML");
    expect(await keysOf(bucket)).toEqual(["x"]);
  });

  test("without Content-MD5 or a checksum → 400; with a wrong Content-MD5 → 400 BadDigest; nothing deleted", async () => {
    const bucket = await newBucket(["protected"]);
    const body = deleteXml(["protected"]);
    const missing = await rawDeleteObjects(bucket, body, { "content-type": "application/xml" });
    expect(missing.status).toBe(400);
    expect(errorCodeOf(await missing.text())).toMatch(/^(InvalidRequest|MissingContentMD5)$/);
    const wrong = await rawDeleteObjects(bucket, body, { "content-md5": md5Base64(`${body} `) });
    expect(wrong.status).toBe(400);
    expect(errorCodeOf(await wrong.text())).toBe("BadDigest");
    expect(await keysOf(bucket)).toEqual(["protected"]);
  });

  test("malformed XML and DOCTYPE/entity bodies → 400 MalformedXML, nothing leaked or deleted", async () => {
    const bucket = await newBucket(["victim"]);
    const bodies = [
      "<Delete><Object><Key>victim</Key></Object>",
      "not xml at all",
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>',
      '<!DOCTYPE d [<!ENTITY v "victim">]><Delete><Object><Key>&v;</Key></Object></Delete>',
    ];
    for (const body of bodies) {
      const response = await rawDeleteObjects(bucket, body);
      const xml = await response.text();
      expect({ body, status: response.status, code: errorCodeOf(xml) }).toEqual({
        body,
        status: 400,
        code: "MalformedXML",
      });
      expect(xml).not.toContain("root:");
    }
    expect(await keysOf(bucket)).toEqual(["victim"]);
  });
});

describe("other clients", () => {
  test("AWS CLI: delete-object, delete-objects, s3 rm --recursive", async () => {
    const bucket = await newBucket(["one", "two", "three", "dir/a", "dir/b c", "dir/sub/d", "keep"]);
    expectOk(await aws(server, ["s3api", "delete-object", "--bucket", bucket, "--key", "one"]));
    const batch = expectOk(
      await aws(server, [
        "s3api",
        "delete-objects",
        "--bucket",
        bucket,
        "--delete",
        JSON.stringify({ Objects: [{ Key: "two" }, { Key: "three" }], Quiet: false }),
      ]),
    ) as { Deleted: { Key: string }[] };
    expect(batch.Deleted.map((d) => d.Key).sort()).toEqual(["three", "two"]);
    expectOk(await aws(server, ["s3", "rm", "--recursive", `s3://${bucket}/dir/`]));
    expect(await keysOf(bucket)).toEqual(["keep"]);
  });

  test("boto3: delete_object, delete_objects, collection delete", async () => {
    const bucket = await newBucket(["p/1", "p/2", "p/3", "q/1", "q/2", "r"]);
    const result = await py(
      server,
      `
      bucket = ${JSON.stringify(bucket)}
      s3.delete_object(Bucket=bucket, Key="r")
      d = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "p/1"}, {"Key": "p/2"}]})
      boto3.resource("s3", endpoint_url=os.environ["S3_ENDPOINT"]).Bucket(bucket).objects.filter(Prefix="q/").delete()
      left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
      out({"deleted": sorted(x["Key"] for x in d["Deleted"]), "left": left})
      `,
    );
    expect(expectOk(result)).toEqual({ deleted: ["p/1", "p/2"], left: ["p/3"] });
  });
});
