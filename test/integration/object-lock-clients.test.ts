/** Object lock as the AWS CLI, boto3 and `s3dir bucket create --object-lock` / `bucket list` use it. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
} from "@aws-sdk/client-s3";
import { aws, expectOk, py, s3dirCli, uniqueBucket } from "../helpers/index.ts";
import { useLockHost } from "../helpers/lock-host.ts";

setDefaultTimeout(120_000);

const host = useLockHost();
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "s3dir-lock-clients-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const inDays = (days: number) => new Date(Math.floor((Date.now() + days * 86_400_000) / 1000) * 1000);

describe("the AWS CLI", () => {
  test("create-bucket with object lock, a default retention, retention and legal hold, a refused delete and a bypass", async () => {
    const bucket = uniqueBucket("lkcli");
    const api = async (...args: string[]) =>
      expectOk(await aws(host.server, ["s3api", ...args, "--bucket", bucket]));
    await api("create-bucket", "--object-lock-enabled-for-bucket");
    await api(
      "put-object-lock-configuration",
      "--object-lock-configuration",
      JSON.stringify({
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 2 } },
      }),
    );
    expect(await api("get-object-lock-configuration")).toEqual({
      ObjectLockConfiguration: {
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 2 } },
      },
    });
    const file = join(work, "body.txt");
    await Bun.write(file, "backup");
    const put = (await api("put-object", "--key", "f.txt", "--body", file)) as { VersionId: string };
    const head = (await api("head-object", "--key", "f.txt")) as { ObjectLockMode: string };
    expect(head.ObjectLockMode).toBe("GOVERNANCE");

    const until = inDays(5);
    await api(
      "put-object-retention",
      "--key",
      "f.txt",
      "--version-id",
      put.VersionId,
      "--retention",
      JSON.stringify({ Mode: "COMPLIANCE", RetainUntilDate: until.toISOString() }),
      "--bypass-governance-retention",
    );
    expect(await api("get-object-retention", "--key", "f.txt")).toEqual({
      Retention: { Mode: "COMPLIANCE", RetainUntilDate: until.toISOString() },
    });
    await api("put-object-legal-hold", "--key", "f.txt", "--legal-hold", "Status=ON");
    expect(await api("get-object-legal-hold", "--key", "f.txt")).toEqual({ LegalHold: { Status: "ON" } });

    const refused = await aws(host.server, [
      "s3api",
      "delete-object",
      "--bucket",
      bucket,
      "--key",
      "f.txt",
      "--version-id",
      put.VersionId,
      "--bypass-governance-retention",
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("AccessDenied");
    // `aws s3 rm` adds a delete marker, which object lock allows.
    expectOk(await aws(host.server, ["s3", "rm", `s3://${bucket}/f.txt`]));
    const listed = (await api("list-object-versions")) as { Versions: { VersionId: string }[] };
    expect(listed.Versions.map((v) => v.VersionId)).toEqual([put.VersionId]);
  });
});

describe("boto3", () => {
  test("GOVERNANCE with and without bypass, per-key errors of delete_objects, and lock fields of head_object", async () => {
    const bucket = uniqueBucket("lkboto");
    const until = inDays(3).toISOString();
    const result = await py(
      host.server,
      `
      import datetime
      bucket = ${JSON.stringify(bucket)}
      until = datetime.datetime.fromisoformat(${JSON.stringify(until)}.replace("Z", "+00:00"))
      s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
      locked = s3.put_object(Bucket=bucket, Key="locked", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)["VersionId"]
      free = s3.put_object(Bucket=bucket, Key="free", Body=b"x")["VersionId"]
      head = s3.head_object(Bucket=bucket, Key="locked")
      def code(call):
          try:
              call()
              return "ok"
          except botocore.exceptions.ClientError as e:
              return e.response["Error"]["Code"]
      shorter = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
      shorten = code(lambda: s3.put_object_retention(Bucket=bucket, Key="locked", Retention={"Mode": "GOVERNANCE", "RetainUntilDate": shorter}))
      batch = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "locked", "VersionId": locked}, {"Key": "free", "VersionId": free}]})
      bypassed = s3.delete_objects(Bucket=bucket, BypassGovernanceRetention=True, Delete={"Objects": [{"Key": "locked", "VersionId": locked}]})
      out({
          "head": [head["ObjectLockMode"], head["ObjectLockRetainUntilDate"].isoformat()],
          "shorten": shorten,
          "errors": [[e["Key"], e["Code"]] for e in batch.get("Errors", [])],
          "deleted": [d["Key"] for d in batch.get("Deleted", [])],
          "bypassed": [d["Key"] for d in bypassed.get("Deleted", [])],
          "left": len(s3.list_object_versions(Bucket=bucket).get("Versions", [])),
      })
      `,
    );
    const json = expectOk(result) as Record<string, unknown>;
    expect(json).toEqual({
      head: ["GOVERNANCE", until.replace(".000Z", "+00:00")],
      shorten: "AccessDenied",
      errors: [["locked", "AccessDenied"]],
      deleted: ["free"],
      bypassed: ["locked"],
      left: 0,
    });
  });
});

describe("s3dir bucket", () => {
  test("create --object-lock makes a lock bucket; list shows versioning and lock state", async () => {
    const locked = uniqueBucket("lkadmin");
    const versioned = uniqueBucket("lkvers");
    const plain = uniqueBucket("lkplain");
    const run = async (...args: string[]) => {
      const r = await s3dirCli(host.root, "bucket", ...args);
      if (r.code !== 0) throw new Error(`s3dir bucket ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    expect(JSON.parse(await run("create", locked, "--object-lock", "--json"))).toEqual({
      created: locked,
      objectLock: true,
    });
    await run("create", plain);
    await host.s3.send(new CreateBucketCommand({ Bucket: versioned }));
    await host.s3.send(
      new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: "Enabled" } }),
    );
    expect((await host.s3.send(new GetBucketVersioningCommand({ Bucket: locked }))).Status).toBe("Enabled");
    const config = await host.s3.send(new GetObjectLockConfigurationCommand({ Bucket: locked }));
    expect(config.ObjectLockConfiguration?.ObjectLockEnabled).toBe("Enabled");
    await host.s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: locked,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "COMPLIANCE", Years: 1 } },
        },
      }),
    );

    const listed = JSON.parse(await run("list", "--json")) as {
      name: string;
      versioning: string;
      objectLock: unknown;
    }[];
    const mine = listed.filter((b) => [locked, versioned, plain].includes(b.name));
    expect(mine.map((b) => [b.name, b.versioning, b.objectLock]).sort()).toEqual(
      [
        [locked, "Enabled", { enabled: true, defaultRetention: { mode: "COMPLIANCE", years: 1 } }],
        [plain, "Unversioned", { enabled: false }],
        [versioned, "Enabled", { enabled: false }],
      ].sort(),
    );
    const text = await run("list");
    expect(text).toContain(`\t${locked}\tEnabled\tobject-lock COMPLIANCE 1y`);
    expect(text).toContain(`\t${plain}\tUnversioned\tno-object-lock`);
  });
});
