/** Service accounts: child keys of a user, from the CLI and the IAM endpoint, narrowed and revoked with it. */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { AwsClient } from "aws4fetch";
import {
  aws,
  type Credentials,
  expectOk,
  py,
  s3dirJson,
  useHost,
  waitFor,
  xmlValue,
  xmlValues,
} from "../helpers/index.ts";
import { becomes, s3Outcome } from "../helpers/outcome.ts";

setDefaultTimeout(60_000);

const { server, s3: admin, bucket } = useHost({ bucket: "svc" });
const files = mkdtempSync(join(tmpdir(), "s3dir-svc-"));

const cli = async (...args: string[]): Promise<unknown> => JSON.parse(await s3dirJson(server.root, ...args));

function policyFile(name: string, actions: string[], resource: string): string {
  const file = join(files, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: actions, Resource: resource }],
    }),
  );
  return file;
}

/** A user who may read and write the bucket. */
async function writer(name: string): Promise<Credentials> {
  await cli(
    "policy",
    "add",
    `${name}-rw`,
    policyFile(`${name}-rw`, ["s3:GetObject", "s3:PutObject"], `arn:aws:s3:::${bucket}/*`),
  );
  await cli("user", "add", name);
  await cli("policy", "attach", `${name}-rw`, name);
  return (await cli("key", "create", name)) as Credentials;
}

const get = (key: string) => (s3: S3Client) => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
const put = (key: string) => (s3: S3Client) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));

/** A signed IAM Query request; returns the status and body. */
async function iamCall(credentials: Credentials, params: Record<string, string>) {
  const client = new AwsClient({ ...credentials, service: "iam", region: server.region });
  const res = await client.fetch(`${server.endpoint}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ Version: "2010-05-08", ...params }).toString(),
  });
  return { status: res.status, body: await res.text() };
}

describe("s3dir service-account", () => {
  test("keys inherit the user's rights, narrowed by their policy, and die with the user", async () => {
    const eve = await writer("eve");
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "eve/a.txt", Body: "a" }));
    const full = (await cli("service-account", "add", "eve", "--name", "backup")) as Credentials & {
      name: string;
    };
    expect(full.name).toBe("backup");
    const narrowed = (await cli(
      "service-account",
      "add",
      "eve",
      "--policy",
      policyFile("read-only", ["s3:GetObject"], `arn:aws:s3:::${bucket}/*`),
    )) as Credentials;

    expect(await becomes(server, "ok", full, put("eve/b.txt"))).toBe("ok");
    expect(await s3Outcome(server, narrowed, get("eve/a.txt"))).toBe("ok");
    expect(await s3Outcome(server, narrowed, put("eve/c.txt"))).toBe("AccessDenied");
    // The user's own keys do not list service accounts.
    const keys = (await cli("key", "list", "eve")) as { accessKeyId: string }[];
    expect(keys.map((k) => k.accessKeyId)).toEqual([eve.accessKeyId]);

    const listed = (await cli("service-account", "list", "eve")) as {
      accessKeyId: string;
      narrowed: boolean;
    }[];
    expect(listed.map((s) => [s.accessKeyId, s.narrowed]).sort()).toEqual(
      [
        [full.accessKeyId, false],
        [narrowed.accessKeyId, true],
      ].sort(),
    );
    const shown = (await cli("service-account", "show", narrowed.accessKeyId)) as {
      user: string;
      policy: unknown;
    };
    expect(shown.user).toBe("eve");
    expect(shown.policy).toMatchObject({ Statement: [{ Action: ["s3:GetObject"] }] });

    // boto3 with a service account's key.
    const viaBoto = await py(
      server,
      `out(s3.get_object(Bucket="${bucket}", Key="eve/a.txt")["Body"].read().decode())`,
      {
        credentials: narrowed,
      },
    );
    expect(expectOk(viaBoto)).toBe("a");

    await cli("service-account", "remove", narrowed.accessKeyId);
    expect(await becomes(server, "InvalidAccessKeyId", narrowed, get("eve/a.txt"))).toBe(
      "InvalidAccessKeyId",
    );

    // Removing the user revokes its service accounts.
    await cli("user", "remove", "eve");
    expect(await becomes(server, "InvalidAccessKeyId", full, get("eve/a.txt"))).toBe("InvalidAccessKeyId");
  });

  test("the AWS CLI uses a service account's key with exactly its narrowed rights", async () => {
    await writer("kit");
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "kit/a.txt", Body: "a" }));
    const svc = (await cli(
      "service-account",
      "add",
      "kit",
      "--policy",
      policyFile("kit-read", ["s3:GetObject"], `arn:aws:s3:::${bucket}/*`),
    )) as Credentials;
    expect(await becomes(server, "ok", svc, get("kit/a.txt"))).toBe("ok");
    const read = await aws(
      server,
      ["s3api", "get-object", "--bucket", bucket, "--key", "kit/a.txt", "/dev/null"],
      {
        credentials: svc,
      },
    );
    expect(read.code, read.stderr).toBe(0);
    const write = await aws(server, ["s3api", "put-object", "--bucket", bucket, "--key", "kit/b.txt"], {
      credentials: svc,
    });
    expect(write.stderr).toContain("AccessDenied");
    const who = expectOk(await aws(server, ["sts", "get-caller-identity"], { credentials: svc })) as {
      Arn: string;
    };
    expect(who.Arn).toBe("arn:aws:iam::000000000000:user/kit");
  });

  test("a service account follows its user's rights, groups included", async () => {
    await cli("user", "add", "fay");
    const svc = (await cli("service-account", "add", "fay")) as Credentials;
    expect(await becomes(server, "AccessDenied", svc, get("eve/a.txt"))).toBe("AccessDenied");
    await cli("group", "create", "svc-readers");
    await cli("group", "attach-policy", "svc-readers", "readonly");
    await cli("group", "add-user", "svc-readers", "fay");
    expect(await becomes(server, "ok", svc, get("eve/a.txt"))).toBe("ok");
  });
});

describe("the IAM endpoint (s3dir extensions)", () => {
  test("a user manages its own service accounts with its own keys, and no one else's", async () => {
    const gus = await writer("gus");
    const hal = await writer("hal");
    const narrow = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }],
    });
    const created = await iamCall(gus, { Action: "CreateServiceAccount", Name: "ci", Policy: narrow });
    expect(created.status).toBe(200);
    expect(created.body).toContain("<CreateServiceAccountResult><ServiceAccount>");
    const svc = {
      accessKeyId: xmlValue(created.body, "AccessKeyId")!,
      secretAccessKey: xmlValue(created.body, "SecretAccessKey")!,
    };
    expect(xmlValue(created.body, "UserName")).toBe("gus");
    expect(xmlValue(created.body, "Name")).toBe("ci");
    expect(await becomes(server, "ok", svc, get("eve/a.txt"))).toBe("ok");
    expect(await s3Outcome(server, svc, put("gus/x.txt"))).toBe("AccessDenied");

    const listed = await iamCall(gus, { Action: "ListServiceAccounts" });
    expect(xmlValues(listed.body, "AccessKeyId")).toEqual([svc.accessKeyId]);
    const got = await iamCall(gus, { Action: "GetServiceAccount", AccessKeyId: svc.accessKeyId });
    expect(JSON.parse(decodeURIComponent(xmlValue(got.body, "Policy")!))).toEqual(JSON.parse(narrow));

    // Another user, and the service account itself, may not manage gus's.
    const foreign = await iamCall(hal, { Action: "ListServiceAccounts", UserName: "gus" });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain("<Code>AccessDenied</Code>");
    const byHal = await iamCall(hal, { Action: "DeleteServiceAccount", AccessKeyId: svc.accessKeyId });
    expect(byHal.body).toContain("<Code>NoSuchEntity</Code>");
    const bySvc = await iamCall(svc, { Action: "CreateServiceAccount" });
    expect(bySvc.status).toBe(403);
    const deleted = await iamCall(gus, { Action: "DeleteServiceAccount", AccessKeyId: svc.accessKeyId });
    expect(deleted.status).toBe(200);
    expect(await becomes(server, "InvalidAccessKeyId", svc, get("eve/a.txt"))).toBe("InvalidAccessKeyId");
  });

  test("a service account of an admin is no IAM admin", async () => {
    await cli("user", "add", "boss", "--role", "admin");
    const svc = (await cli("service-account", "add", "boss")) as Credentials;
    let listed = { status: 0, body: "" };
    await waitFor(
      async () => {
        listed = await iamCall(svc, { Action: "ListUsers" });
        return listed.status !== 403 || listed.body.includes("AccessDenied");
      },
      3000,
      100,
    );
    expect(listed.status).toBe(403);
    expect(listed.body).toContain("<Code>AccessDenied</Code>");
    expect(await s3Outcome(server, svc, get("eve/a.txt"))).toBe("ok");
  });

  test("the root credential creates service accounts for any user", async () => {
    await cli("user", "add", "ivy");
    const root = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
    const created = await iamCall(root, { Action: "CreateServiceAccount", UserName: "ivy" });
    expect(created.status).toBe(200);
    expect(xmlValue(created.body, "UserName")).toBe("ivy");
    const listed = await iamCall(root, { Action: "ListServiceAccounts", UserName: "ivy" });
    expect(xmlValues(listed.body, "AccessKeyId")).toHaveLength(1);
  });
});
