/**
 * Bucket lifecycle configurations: Put/Get/DeleteBucketLifecycleConfiguration through the AWS
 * SDK, the AWS CLI and boto3, S3's validation errors (nothing changed on a refused PUT),
 * transitions refused, a recreated bucket starting without rules, x-amz-expiration on object
 * writes and reads, and the `s3dir bucket lifecycle-rule` commands editing the same setting.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  aws,
  bucketState,
  expectOk,
  md5Base64,
  py,
  s3dirCli,
  sdkFailure,
  signedFetch,
  uniqueBucket,
  useHost,
} from "../helpers/index.ts";

setDefaultTimeout(120_000);

const host = useHost({ bucket: "lc" });
const { bucket } = host;
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "s3dir-lifecycle-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const putRules = (Rules: LifecycleRule[], Bucket = bucket) =>
  host.s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
const getRules = async (Bucket = bucket) =>
  (await host.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules;

describe("Put/Get/DeleteBucketLifecycleConfiguration", () => {
  test("a round trip of every kind of rule, then delete: 404 NoSuchLifecycleConfiguration", async () => {
    const rules: LifecycleRule[] = [
      { ID: "logs", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 30 } },
      {
        ID: "tagged",
        Status: "Disabled",
        Filter: {
          And: {
            Prefix: "p/",
            Tags: [{ Key: "class", Value: "temp" }],
            ObjectSizeGreaterThan: 1024,
            ObjectSizeLessThan: 1048576,
          },
        },
        Expiration: { Date: new Date("2031-05-01T00:00:00Z") },
      },
      {
        ID: "versions",
        Status: "Enabled",
        Filter: {},
        Expiration: { ExpiredObjectDeleteMarker: true },
        NoncurrentVersionExpiration: { NoncurrentDays: 7, NewerNoncurrentVersions: 2 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
      },
      { ID: "size", Status: "Enabled", Filter: { ObjectSizeGreaterThan: 100 }, Expiration: { Days: 1 } },
      { ID: "tag", Status: "Enabled", Filter: { Tag: { Key: "a", Value: "b" } }, Expiration: { Days: 2 } },
    ];
    const put = await putRules(rules);
    expect(put.TransitionDefaultMinimumObjectSize).toBe("all_storage_classes_128K");
    const got = await host.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(got.Rules).toEqual(rules);
    expect(got.TransitionDefaultMinimumObjectSize).toBe("all_storage_classes_128K");

    await host.s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
    const missing = await sdkFailure(getRules());
    expect([missing.name, missing.status]).toEqual(["NoSuchLifecycleConfiguration", 404]);
    // Deleting none is no error.
    await host.s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
  });

  test("a rule without ID gets one; the transition minimum size asked for is answered back", async () => {
    const put = await host.s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        TransitionDefaultMinimumObjectSize: "varies_by_storage_class",
        LifecycleConfiguration: {
          Rules: [{ Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 5 } }],
        },
      }),
    );
    expect(put.TransitionDefaultMinimumObjectSize).toBe("varies_by_storage_class");
    const got = await host.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(got.TransitionDefaultMinimumObjectSize).toBe("varies_by_storage_class");
    expect(got.Rules?.[0]?.ID).toMatch(/^.{1,255}$/);
    expect(got.Rules?.[0]?.Filter).toEqual({ Prefix: "" });
  });

  test("the legacy top-level Prefix is read back as it was written", async () => {
    await putRules([{ ID: "legacy", Status: "Enabled", Prefix: "old/", Expiration: { Days: 9 } }]);
    expect(await getRules()).toEqual([
      { ID: "legacy", Status: "Enabled", Prefix: "old/", Expiration: { Days: 9 } },
    ]);
  });

  test("refused configurations: S3's codes, and the configuration in place is unchanged", async () => {
    const kept: LifecycleRule[] = [
      { ID: "kept", Status: "Enabled", Filter: { Prefix: "k/" }, Expiration: { Days: 4 } },
    ];
    await putRules(kept);
    const cases: [LifecycleRule[], string, string?][] = [
      [[{ ID: "x".repeat(256), Status: "Enabled", Filter: {}, Expiration: { Days: 1 } }], "InvalidArgument"],
      [
        [
          { ID: "same", Status: "Enabled", Filter: {}, Expiration: { Days: 1 } },
          { ID: "same", Status: "Enabled", Filter: {}, Expiration: { Days: 2 } },
        ],
        "InvalidArgument",
      ],
      [[{ ID: "s", Status: "On" as "Enabled", Filter: {}, Expiration: { Days: 1 } }], "MalformedXML"],
      [[{ ID: "d0", Status: "Enabled", Filter: {}, Expiration: { Days: 0 } }], "InvalidArgument"],
      [
        [
          {
            ID: "noon",
            Status: "Enabled",
            Filter: {},
            Expiration: { Date: new Date("2031-01-01T12:00:00Z") },
          },
        ],
        "InvalidArgument",
      ],
      [
        [
          {
            ID: "both",
            Status: "Enabled",
            Filter: {},
            Expiration: { Days: 1, ExpiredObjectDeleteMarker: true },
          },
        ],
        "MalformedXML",
      ],
      [
        [
          {
            ID: "dm",
            Status: "Enabled",
            Filter: { Tag: { Key: "a", Value: "b" } },
            Expiration: { ExpiredObjectDeleteMarker: true },
          },
        ],
        "InvalidRequest",
      ],
      [
        [{ ID: "nc", Status: "Enabled", Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 0 } }],
        "InvalidArgument",
      ],
      [
        [
          {
            ID: "newer",
            Status: "Enabled",
            Filter: {},
            NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 101 },
          },
        ],
        "InvalidArgument",
      ],
      [
        [
          {
            ID: "abort",
            Status: "Enabled",
            Filter: { Tag: { Key: "a", Value: "b" } },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
        "InvalidRequest",
      ],
      [
        [
          {
            ID: "a0",
            Status: "Enabled",
            Filter: {},
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 0 },
          },
        ],
        "InvalidArgument",
      ],
      [[{ ID: "none", Status: "Enabled", Filter: {} }], "InvalidRequest"],
      [
        [{ ID: "both-filters", Status: "Enabled", Prefix: "a", Filter: {}, Expiration: { Days: 1 } }],
        "MalformedXML",
      ],
      [
        [
          {
            ID: "t",
            Status: "Enabled",
            Filter: {},
            Transitions: [{ Days: 30, StorageClass: "GLACIER" }],
          },
        ],
        "InvalidStorageClass",
        "one storage class",
      ],
      [
        [
          {
            ID: "nt",
            Status: "Enabled",
            Filter: {},
            Expiration: { Days: 90 },
            NoncurrentVersionTransitions: [{ NoncurrentDays: 30, StorageClass: "STANDARD_IA" }],
          },
        ],
        "InvalidStorageClass",
      ],
      [
        Array.from({ length: 1001 }, (_, i) => ({
          ID: `r${i}`,
          Status: "Enabled" as const,
          Filter: { Prefix: `${i}/` },
          Expiration: { Days: 1 },
        })),
        "MalformedXML",
      ],
    ];
    for (const [rules, code, message] of cases) {
      const failure = await sdkFailure(putRules(rules));
      expect([rules[0]?.ID, failure.name, failure.status]).toEqual([rules[0]?.ID, code, 400]);
      if (message) expect(failure.message).toContain(message);
    }
    expect(await getRules()).toEqual(kept);
  });

  test("1,000 rules are accepted", async () => {
    const rules = Array.from({ length: 1000 }, (_, i) => ({
      ID: `r${i}`,
      Status: "Enabled" as const,
      Filter: { Prefix: `${i}/` },
      Expiration: { Days: 1 + (i % 5) },
    }));
    await putRules(rules);
    expect((await getRules())?.length).toBe(1000);
  });

  test("a PUT without Content-MD5 or a checksum is InvalidRequest; with Content-MD5 it is taken", async () => {
    const body =
      '<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>raw</ID><Filter/><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>';
    const bare = await signedFetch(host.server, `/${bucket}`, { method: "PUT", query: "lifecycle=", body });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain("<Code>InvalidRequest</Code>");
    const ok = await signedFetch(host.server, `/${bucket}`, {
      method: "PUT",
      query: "lifecycle=",
      body,
      headers: { "content-md5": md5Base64(body) },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-amz-transition-default-minimum-object-size")).toBe("all_storage_classes_128K");
    const get = await signedFetch(host.server, `/${bucket}`, { query: "lifecycle=" });
    expect(await get.text()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>raw</ID><Filter></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>',
    );
  });

  test("a missing bucket is NoSuchBucket; a bucket deleted and made again starts without rules", async () => {
    const gone = await sdkFailure(getRules(uniqueBucket("nolc")));
    expect(gone.name).toBe("NoSuchBucket");
    const again = uniqueBucket("lcagain");
    await host.s3.send(new CreateBucketCommand({ Bucket: again }));
    await putRules([{ ID: "old", Status: "Enabled", Filter: {}, Expiration: { Days: 1 } }], again);
    expect(existsSync(bucketState(host.server.root, again, "settings", "lifecycle"))).toBe(true);
    await host.s3.send(new DeleteBucketCommand({ Bucket: again }));
    await host.s3.send(new CreateBucketCommand({ Bucket: again }));
    expect((await sdkFailure(getRules(again))).name).toBe("NoSuchLifecycleConfiguration");
  });
});

describe("x-amz-expiration", () => {
  const day = 86_400_000;
  /** The midnight UTC at or after `days` days past `modified`, as S3 counts. */
  const expiry = (modified: Date, days: number) =>
    new Date(Math.ceil((modified.getTime() + days * day) / day) * day).toUTCString();

  test("on PUT, GET and HEAD of objects a rule expires: by tag, by size, the earliest rule", async () => {
    const name = uniqueBucket("lcexp");
    await host.s3.send(new CreateBucketCommand({ Bucket: name }));
    await putRules(
      [
        {
          ID: "temp files",
          Status: "Enabled",
          Filter: { Tag: { Key: "class", Value: "temp" } },
          Expiration: { Days: 2 },
        },
        { ID: "big", Status: "Enabled", Filter: { ObjectSizeGreaterThan: 10 }, Expiration: { Days: 5 } },
        { ID: "off", Status: "Disabled", Filter: {}, Expiration: { Days: 1 } },
        { ID: "versions", Status: "Enabled", Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
      ],
      name,
    );
    const check = async (
      Key: string,
      Body: string,
      Tagging: string | undefined,
      expected: [number, string] | undefined,
    ) => {
      const put = await host.s3.send(new PutObjectCommand({ Bucket: name, Key, Body, Tagging }));
      const head = await host.s3.send(new HeadObjectCommand({ Bucket: name, Key }));
      const get = await host.s3.send(new GetObjectCommand({ Bucket: name, Key }));
      await get.Body?.transformToString();
      const want =
        expected && `expiry-date="${expiry(head.LastModified!, expected[0])}", rule-id="${expected[1]}"`;
      expect([Key, put.Expiration, head.Expiration, get.Expiration]).toEqual([Key, want, want, want]);
    };
    await check("tagged", "small", "class=temp", [2, "temp%20files"]);
    await check("large", "more than ten bytes", undefined, [5, "big"]);
    await check("both", "more than ten bytes", "class=temp", [2, "temp%20files"]);
    await check("neither", "small", "class=keep", undefined);
  });

  test("none for a version named by id, nor in a bucket without rules", async () => {
    const name = uniqueBucket("lcver");
    await host.s3.send(new CreateBucketCommand({ Bucket: name }));
    await host.s3.send(
      new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const plain = await host.s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "x" }));
    expect(plain.Expiration).toBeUndefined();
    await putRules([{ ID: "all", Status: "Enabled", Filter: {}, Expiration: { Days: 1 } }], name);
    const put = await host.s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "y" }));
    expect(put.Expiration).toContain('rule-id="all"');
    const named = await host.s3.send(
      new HeadObjectCommand({ Bucket: name, Key: "k", VersionId: put.VersionId }),
    );
    expect(named.Expiration).toBeUndefined();
  });
});

describe("x-amz-expiration on CompleteMultipartUpload and CopyObject", () => {
  const rules: LifecycleRule[] = [
    {
      ID: "temp",
      Status: "Enabled",
      Filter: { Tag: { Key: "class", Value: "temp" } },
      Expiration: { Days: 2 },
    },
    { ID: "big", Status: "Enabled", Filter: { ObjectSizeGreaterThan: 1000 }, Expiration: { Days: 7 } },
  ];
  const ruleOf = (expiration: string | undefined) => /rule-id="([^"]*)"/.exec(expiration ?? "")?.[1];

  test("Complete: from the upload's tags and the assembled size", async () => {
    const name = uniqueBucket("lcmp");
    await host.s3.send(new CreateBucketCommand({ Bucket: name }));
    await putRules(rules, name);
    const complete = async (Key: string, size: number, Tagging?: string) => {
      const { UploadId } = await host.s3.send(
        new CreateMultipartUploadCommand({ Bucket: name, Key, Tagging }),
      );
      const { ETag } = await host.s3.send(
        new UploadPartCommand({ Bucket: name, Key, UploadId, PartNumber: 1, Body: "x".repeat(size) }),
      );
      const done = await host.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: name,
          Key,
          UploadId,
          MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
        }),
      );
      const head = await host.s3.send(new HeadObjectCommand({ Bucket: name, Key }));
      expect(done.Expiration).toBe(head.Expiration);
      return ruleOf(done.Expiration);
    };
    expect(await complete("tagged", 10, "class=temp")).toBe("temp");
    expect(await complete("large", 2000)).toBe("big");
    expect(await complete("neither", 10, "class=keep")).toBeUndefined();
  });

  test("Copy: the source's tags (COPY) or the request's (REPLACE), and the copy's size", async () => {
    const name = uniqueBucket("lccopy");
    await host.s3.send(new CreateBucketCommand({ Bucket: name }));
    await putRules(rules, name);
    await host.s3.send(
      new PutObjectCommand({ Bucket: name, Key: "src", Body: "small", Tagging: "class=temp" }),
    );
    await host.s3.send(new PutObjectCommand({ Bucket: name, Key: "big-src", Body: "y".repeat(2000) }));
    const copy = async (Key: string, source: string, replace?: string) => {
      const done = await host.s3.send(
        new CopyObjectCommand({
          Bucket: name,
          Key,
          CopySource: `${name}/${source}`,
          ...(replace === undefined ? {} : { TaggingDirective: "REPLACE", Tagging: replace }),
        }),
      );
      const head = await host.s3.send(new HeadObjectCommand({ Bucket: name, Key }));
      expect(done.Expiration).toBe(head.Expiration);
      return ruleOf(done.Expiration);
    };
    expect(await copy("kept-tags", "src")).toBe("temp");
    expect(await copy("replaced-tags", "src", "class=keep")).toBeUndefined();
    expect(await copy("now-temp", "big-src", "class=temp")).toBe("temp");
    expect(await copy("big-copy", "big-src")).toBe("big");
  });
});

describe("other clients", () => {
  test("the AWS CLI: put-bucket-lifecycle-configuration from a file, get, delete", async () => {
    const name = uniqueBucket("lccli");
    const api = async (...args: string[]) =>
      expectOk(await aws(host.server, ["s3api", ...args, "--bucket", name]));
    await api("create-bucket");
    const file = join(work, "lifecycle.json");
    const rules = [
      { ID: "cli", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 2 } },
      {
        ID: "mpu",
        Status: "Enabled",
        Filter: { Prefix: "" },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ];
    await Bun.write(file, JSON.stringify({ Rules: rules }));
    await api("put-bucket-lifecycle-configuration", "--lifecycle-configuration", `file://${file}`);
    expect(await api("get-bucket-lifecycle-configuration")).toEqual({
      Rules: rules,
      TransitionDefaultMinimumObjectSize: "all_storage_classes_128K",
    });
    await api("delete-bucket-lifecycle");
    const missing = await aws(host.server, ["s3api", "get-bucket-lifecycle-configuration", "--bucket", name]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("NoSuchLifecycleConfiguration");
  });

  test("boto3: put, get, a refused transition, delete", async () => {
    const name = uniqueBucket("lcpy");
    const result = await py(
      host.server,
      `
      import datetime
      bucket = ${JSON.stringify(name)}
      s3.create_bucket(Bucket=bucket)
      s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
          {"ID": "py", "Status": "Enabled", "Filter": {"Prefix": "x/"},
           "Expiration": {"Date": datetime.datetime(2032, 1, 1, tzinfo=datetime.timezone.utc)}},
          {"ID": "nc", "Status": "Enabled", "Filter": {"Prefix": ""},
           "NoncurrentVersionExpiration": {"NoncurrentDays": 3}}]})
      rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
      try:
          s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
              {"ID": "t", "Status": "Enabled", "Filter": {"Prefix": ""},
               "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}]})
          refused = None
      except botocore.exceptions.ClientError as e:
          refused = e.response["Error"]["Code"]
      s3.delete_bucket_lifecycle(Bucket=bucket)
      out({"rules": rules, "refused": refused})
      `,
    );
    expect(expectOk(result)).toEqual({
      rules: [
        {
          ID: "py",
          Status: "Enabled",
          Filter: { Prefix: "x/" },
          Expiration: { Date: "2032-01-01 00:00:00+00:00" },
        },
        {
          ID: "nc",
          Status: "Enabled",
          Filter: { Prefix: "" },
          NoncurrentVersionExpiration: { NoncurrentDays: 3 },
        },
      ],
      refused: "InvalidStorageClass",
    });
  });
});

describe("s3dir bucket lifecycle-rule", () => {
  test("add, list, remove and reset edit the rules the S3 API sees, and the other way round", async () => {
    const name = uniqueBucket("lcadm");
    await host.s3.send(new CreateBucketCommand({ Bucket: name }));
    const cli = async (...args: string[]) => {
      const r = await s3dirCli(host.server.root, "bucket", "lifecycle-rule", ...args);
      expect([args, r.code, r.stderr]).toEqual([args, 0, ""]);
      return r.stdout;
    };
    await putRules(
      [{ ID: "from-s3", Status: "Enabled", Filter: { Prefix: "s3/" }, Expiration: { Days: 10 } }],
      name,
    );
    await cli("add", name, "7", "--prefix", "logs/", "--tags", "class=temp&team=a b", "--id", "logs");
    await cli("add", name, "30", "--noncurrent", "--id", "old-versions");
    const added = await cli("add", name, "1");
    expect(added).toContain("expireDays=1");

    const listed = JSON.parse(await cli("list", name, "--json")) as { rules: { id: string }[] };
    expect(listed.rules.slice(0, 3)).toEqual([
      { id: "from-s3", enabled: true, prefix: "s3/", expireDays: 10 },
      { id: "logs", enabled: true, prefix: "logs/", tags: { class: "temp", team: "a b" }, expireDays: 7 },
      { id: "old-versions", enabled: true, noncurrentDays: 30 },
    ] as never);
    const generated = listed.rules[3]!.id;
    expect(generated.length).toBeGreaterThan(0);
    expect(await cli("list", name)).toContain(
      "logs\tEnabled\tprefix=logs/\ttags=class=temp&team=a+b\texpireDays=7",
    );

    expect(await getRules(name)).toEqual([
      { ID: "from-s3", Status: "Enabled", Filter: { Prefix: "s3/" }, Expiration: { Days: 10 } },
      {
        ID: "logs",
        Status: "Enabled",
        Filter: {
          And: {
            Prefix: "logs/",
            Tags: [
              { Key: "class", Value: "temp" },
              { Key: "team", Value: "a b" },
            ],
          },
        },
        Expiration: { Days: 7 },
      },
      {
        ID: "old-versions",
        Status: "Enabled",
        Filter: {},
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      },
      { ID: generated, Status: "Enabled", Filter: {}, Expiration: { Days: 1 } },
    ]);

    await cli("remove", name, "logs");
    expect((await getRules(name))?.map((r) => r.ID)).toEqual(["from-s3", "old-versions", generated]);
    const unknown = await s3dirCli(host.server.root, "bucket", "lifecycle-rule", "remove", name, "logs");
    expect(unknown.code).not.toBe(0);
    const duplicate = await s3dirCli(
      host.server.root,
      "bucket",
      "lifecycle-rule",
      "add",
      name,
      "3",
      "--id",
      "from-s3",
    );
    expect(duplicate.code).not.toBe(0);
    const badDays = await s3dirCli(host.server.root, "bucket", "lifecycle-rule", "add", name, "0");
    expect(badDays.code).not.toBe(0);

    await cli("reset", name);
    expect((await sdkFailure(getRules(name))).name).toBe("NoSuchLifecycleConfiguration");
    expect(await cli("list", name)).toBe(`bucket ${name} has no lifecycle rules\n`);
  });
});
