/** IAM roles and AssumeRole with trust policies, role permissions and session tags (AWS CLI, boto3). */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { startAuditReceiver } from "../helpers/audit-receiver.ts";
import {
  aws,
  type Credentials,
  expectOk,
  py,
  s3Client,
  s3dirCli,
  startHost,
  useHost,
} from "../helpers/index.ts";
import { s3Outcome } from "../helpers/outcome.ts";

setDefaultTimeout(60_000);

const { server, s3: admin, bucket } = useHost({ bucket: "roles", args: ["--sts-max-duration", "7d"] });
const account = "000000000000";
const roleArn = (name: string, path = "/") => `arn:aws:iam::${account}:role${path}${name}`;
const userArnOf = (name: string) => `arn:aws:iam::${account}:user/${name}`;
const files = mkdtempSync(join(tmpdir(), "s3dir-roles-"));

type SessionCredentials = Credentials & { sessionToken: string };

async function iamCli(args: string[]): Promise<unknown> {
  return expectOk(await aws(server, ["iam", ...args]));
}

/** Writes a JSON document to a file for `file://` arguments. */
function documentFile(name: string, document: unknown): string {
  const file = join(files, `${name}.json`);
  writeFileSync(file, JSON.stringify(document));
  return `file://${file}`;
}

function trust(...principals: string[]) {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: principals }, Action: "sts:AssumeRole" }],
  };
}

function allow(actions: string[], resource: string) {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: resource }] };
}

async function userWithKey(name: string, policy?: unknown): Promise<Credentials> {
  await iamCli(["create-user", "--user-name", name]);
  if (policy)
    await iamCli([
      "put-user-policy",
      "--user-name",
      name,
      "--policy-name",
      "own",
      "--policy-document",
      JSON.stringify(policy),
    ]);
  const key = (await iamCli(["create-access-key", "--user-name", name])) as {
    AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  };
  return { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
}

async function assumeCli(
  credentials: Credentials,
  arn: string,
  extra: string[] = [],
  on = server,
): Promise<{ code: number; stderr: string; json: unknown }> {
  const result = await aws(
    on,
    ["sts", "assume-role", "--role-arn", arn, "--role-session-name", "s1", ...extra],
    {
      credentials,
    },
  );
  return { code: result.code, stderr: result.stderr, json: result.json };
}

/** A changed trust policy reaches the server within a second: retries AssumeRole for up to 2 s. */
async function assumeWhenTrusted(credentials: Credentials, arn: string) {
  let result = await assumeCli(credentials, arn);
  for (let i = 0; i < 20 && result.code !== 0; i++) {
    await Bun.sleep(100);
    result = await assumeCli(credentials, arn);
  }
  return result;
}

function sessionOf(json: unknown): SessionCredentials {
  const c = (json as { Credentials: Record<string, string> }).Credentials;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

const get =
  (key: string, b = bucket) =>
  (s3: S3Client) =>
    s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
const put =
  (key: string, b = bucket) =>
  (s3: S3Client) =>
    s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: "x" }));

let alice: Credentials;
let bob: Credentials;

beforeAll(async () => {
  for (const key of ["reports/q1.txt", "team/red/a.txt", "team/blue/a.txt", "other.txt"])
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "data" }));
  // alice may write anywhere in the bucket herself; the role only reads reports/.
  alice = await userWithKey("alice", allow(["s3:PutObject", "s3:GetObject"], `arn:aws:s3:::${bucket}/*`));
  bob = await userWithKey("bob", allow(["s3:GetObject"], `arn:aws:s3:::${bucket}/*`));
  const created = (await iamCli([
    "create-role",
    "--role-name",
    "reader",
    "--assume-role-policy-document",
    documentFile("trust-alice", trust(userArnOf("alice"))),
    "--description",
    "reads reports",
    "--max-session-duration",
    "7200",
  ])) as { Role: Record<string, unknown> };
  expect(created.Role).toMatchObject({
    Path: "/",
    RoleName: "reader",
    Arn: roleArn("reader"),
    Description: "reads reports",
    MaxSessionDuration: 7200,
    AssumeRolePolicyDocument: trust(userArnOf("alice")),
  });
  expect(created.Role.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
  await iamCli([
    "put-role-policy",
    "--role-name",
    "reader",
    "--policy-name",
    "reports",
    "--policy-document",
    documentFile("reports", allow(["s3:GetObject"], `arn:aws:s3:::${bucket}/reports/*`)),
  ]);
});

describe("AssumeRole of a stored role", () => {
  test("a trusted caller gets exactly the role's rights, not its own", async () => {
    const result = await assumeCli(alice, roleArn("reader"));
    expect(result.code).toBe(0);
    const out = result.json as { AssumedRoleUser: { Arn: string; AssumedRoleId: string } };
    expect(out.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${account}:assumed-role/reader/s1`);
    expect(out.AssumedRoleUser.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:s1$/);
    const session = sessionOf(result.json);
    const identity = expectOk(await aws(server, ["sts", "get-caller-identity"], { credentials: session }));
    expect(identity).toEqual({
      UserId: out.AssumedRoleUser.AssumedRoleId,
      Account: account,
      Arn: out.AssumedRoleUser.Arn,
    });
    expect(await s3Outcome(server, session, get("reports/q1.txt"))).toBe("ok");
    expect(await s3Outcome(server, session, get("other.txt"))).toBe("AccessDenied");
    expect(await s3Outcome(server, session, put("reports/new.txt"))).toBe("AccessDenied");
    // alice herself still may.
    expect(await s3Outcome(server, alice, put("reports/new.txt"))).toBe("ok");
  });

  test("the audit trail names the IAM user that assumed the role and the AssumedRole of its session", async () => {
    const audit = await startAuditReceiver(server);
    try {
      const sts = new STSClient({ endpoint: server.endpoint, region: server.region, credentials: alice });
      const out = await sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn("reader"), RoleSessionName: "audited" }),
      );
      expect(await audit.eventOf(out.$metadata.requestId!)).toMatchObject({
        operation: "sts:AssumeRole",
        userIdentity: { type: "IAMUser", userName: "alice", arn: userArnOf("alice"), accountId: account },
      });
      const c = out.Credentials!;
      const session = {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      };
      const got = await get("reports/q1.txt")(s3Client(server, session));
      expect(await audit.eventOf(got.$metadata.requestId!)).toMatchObject({
        principal: { type: "session", sessionArn: `arn:aws:sts::${account}:assumed-role/reader/audited` },
        userIdentity: {
          type: "AssumedRole",
          arn: `arn:aws:sts::${account}:assumed-role/reader/audited`,
          accessKeyId: session.accessKeyId,
          sessionContext: { sessionIssuer: { type: "Role", arn: roleArn("reader"), userName: "reader" } },
        },
      });
    } finally {
      await audit.stop();
    }
  });

  test("a caller the trust policy does not name is refused with AWS's message", async () => {
    const result = await assumeCli(bob, roleArn("reader"));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("AccessDenied");
    expect(result.stderr).toContain(
      `User: ${userArnOf("bob")} is not authorized to perform: sts:AssumeRole on resource: ${roleArn("reader")}`,
    );
  });

  test("a session policy narrows the role", async () => {
    const narrow = allow(["s3:GetObject"], `arn:aws:s3:::${bucket}/reports/none/*`);
    const result = await assumeCli(alice, roleArn("reader"), ["--policy", JSON.stringify(narrow)]);
    expect(result.code).toBe(0);
    expect(await s3Outcome(server, sessionOf(result.json), get("reports/q1.txt"))).toBe("AccessDenied");
  });

  test("DurationSeconds is bounded by the role's MaxSessionDuration", async () => {
    const tooLong = await assumeCli(alice, roleArn("reader"), ["--duration-seconds", "10800"]);
    expect(tooLong.stderr).toContain("ValidationError");
    expect(tooLong.stderr).toContain("MaxSessionDuration");
    const ok = await assumeCli(alice, roleArn("reader"), ["--duration-seconds", "7200"]);
    expect(ok.code).toBe(0);
  });

  test("--sts-max-duration 7d allows week-long sessions where no role bounds them", async () => {
    const result = await assumeCli(alice, roleArn("no-such-role"), ["--duration-seconds", "604800"]);
    expect(result.code).toBe(0);
    const expiration = Date.parse(
      (result.json as { Credentials: { Expiration: string } }).Credentials.Expiration,
    );
    expect(expiration - Date.now()).toBeGreaterThan(604_800_000 - 120_000);
    const over = await assumeCli(alice, roleArn("no-such-role"), ["--duration-seconds", "604801"]);
    expect(over.stderr).toContain("ValidationError");
  });

  test("an ARN that names no role keeps the caller's own rights", async () => {
    const result = await assumeCli(alice, roleArn("no-such-role"));
    expect(result.code).toBe(0);
    const session = sessionOf(result.json);
    expect(await s3Outcome(server, session, put("anything.txt"))).toBe("ok");
  });

  test("a trust policy naming the account delegates to the caller's own policies", async () => {
    await iamCli([
      "create-role",
      "--role-name",
      "delegated",
      "--path",
      "/team/",
      "--assume-role-policy-document",
      JSON.stringify(trust(`arn:aws:iam::${account}:root`)),
    ]);
    const arn = roleArn("delegated", "/team/");
    expect((await assumeCli(bob, arn)).stderr).toContain("AccessDenied");
    await iamCli([
      "put-user-policy",
      "--user-name",
      "bob",
      "--policy-name",
      "assume",
      "--policy-document",
      JSON.stringify(allow(["sts:AssumeRole"], arn)),
    ]);
    const result = await assumeWhenTrusted(bob, arn);
    expect(result.code).toBe(0);
    expect((result.json as { AssumedRoleUser: { Arn: string } }).AssumedRoleUser.Arn).toBe(
      `arn:aws:sts::${account}:assumed-role/delegated/s1`,
    );
    // The role has no permission policy: its session may do nothing.
    expect(await s3Outcome(server, sessionOf(result.json), get("reports/q1.txt"))).toBe("AccessDenied");
  });
});

describe("the role API", () => {
  test("get, list, update the trust policy, attached policies, and DeleteRole's conflict", async () => {
    await iamCli([
      "create-role",
      "--role-name",
      "temp",
      "--assume-role-policy-document",
      JSON.stringify(trust(userArnOf("alice"))),
    ]);
    const got = (await iamCli(["get-role", "--role-name", "temp"])) as { Role: Record<string, unknown> };
    expect(got.Role).toMatchObject({ RoleName: "temp", MaxSessionDuration: 3600 });
    const listed = (await iamCli(["list-roles"])) as { Roles: { RoleName: string }[] };
    expect(listed.Roles.map((r) => r.RoleName)).toEqual(expect.arrayContaining(["reader", "temp"]));

    await iamCli([
      "attach-role-policy",
      "--role-name",
      "temp",
      "--policy-arn",
      `arn:aws:iam::${account}:policy/readonly`,
    ]);
    expect(await iamCli(["list-attached-role-policies", "--role-name", "temp"])).toEqual({
      AttachedPolicies: [{ PolicyName: "readonly", PolicyArn: `arn:aws:iam::${account}:policy/readonly` }],
    });
    const conflict = await aws(server, ["iam", "delete-role", "--role-name", "temp"]);
    expect(conflict.stderr).toContain("DeleteConflict");

    // Now bob is trusted and alice is not.
    await iamCli([
      "update-assume-role-policy",
      "--role-name",
      "temp",
      "--policy-document",
      JSON.stringify(trust(userArnOf("bob"))),
    ]);
    const bobs = await assumeWhenTrusted(bob, roleArn("temp"));
    expect(bobs.code).toBe(0);
    expect(await s3Outcome(server, sessionOf(bobs.json), get("other.txt"))).toBe("ok");
    expect((await assumeCli(alice, roleArn("temp"))).stderr).toContain("AccessDenied");

    await iamCli([
      "detach-role-policy",
      "--role-name",
      "temp",
      "--policy-arn",
      `arn:aws:iam::${account}:policy/readonly`,
    ]);
    await iamCli(["delete-role", "--role-name", "temp"]);
    expect((await aws(server, ["iam", "get-role", "--role-name", "temp"])).stderr).toContain("NoSuchEntity");
  });

  test("boto3: role policies, session tags as aws:PrincipalTag, and sts:TagSession in the trust policy", async () => {
    const script = `
      iam = boto3.client("iam", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"])
      trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "${userArnOf("alice")}"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": "${userArnOf("alice")}"}, "Action": "sts:TagSession",
         "Condition": {"StringEquals": {"aws:RequestTag/team": ["red", "blue"]}}}]}
      iam.create_role(RoleName="teams", AssumeRolePolicyDocument=json.dumps(trust))
      iam.put_role_policy(RoleName="teams", PolicyName="own-team", PolicyDocument=json.dumps({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${bucket}/team/\${aws:PrincipalTag/team}/*"}]}))
      names = iam.list_role_policies(RoleName="teams")["PolicyNames"]
      doc = iam.get_role_policy(RoleName="teams", PolicyName="own-team")["PolicyDocument"]
      sts = boto3.client("sts", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"],
        aws_access_key_id="${alice.accessKeyId}", aws_secret_access_key="${alice.secretAccessKey}")
      c = sts.assume_role(RoleArn="${roleArn("teams")}", RoleSessionName="red-job", Tags=[{"Key": "team", "Value": "red"}],
        TransitiveTagKeys=["team"])["Credentials"]
      red = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"],
        aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
      def outcome(key):
          try:
              red.get_object(Bucket="${bucket}", Key=key)
              return "ok"
          except botocore.exceptions.ClientError as e:
              return e.response["Error"]["Code"]
      try:
          sts.assume_role(RoleArn="${roleArn("teams")}", RoleSessionName="green-job", Tags=[{"Key": "team", "Value": "green"}])
          green = "ok"
      except botocore.exceptions.ClientError as e:
          green = e.response["Error"]["Message"]
      out({"names": names, "doc": doc, "red": outcome("team/red/a.txt"), "blue": outcome("team/blue/a.txt"), "green": green})
    `;
    const outcome = expectOk(await py(server, script)) as Record<string, unknown>;
    expect(outcome.names).toEqual(["own-team"]);
    expect(outcome.doc).toMatchObject({ Version: "2012-10-17" });
    expect(outcome.red).toBe("ok");
    expect(outcome.blue).toBe("AccessDenied");
    expect(outcome.green).toBe(
      `User: ${userArnOf("alice")} is not authorized to perform: sts:TagSession on resource: ${roleArn("teams")}`,
    );
  });
});

describe("--sts-strict-roles", () => {
  test("refuses ARNs that name no role and still serves stored roles", async () => {
    const strict = await startHost({ root: server.root, args: ["--sts-strict-roles"] });
    try {
      const missing = await assumeCli(alice, roleArn("no-such-role"), [], strict);
      expect(missing.stderr).toContain("AccessDenied");
      expect(missing.stderr).toContain(`sts:AssumeRole on resource: ${roleArn("no-such-role")}`);
      const stored = await assumeCli(alice, roleArn("reader"), [], strict);
      expect(stored.code).toBe(0);
      expect(await s3Outcome(strict, sessionOf(stored.json), get("reports/q1.txt"))).toBe("ok");
    } finally {
      await strict.stop();
    }
  });

  test("s3dir serve documents the option", async () => {
    const help = await s3dirCli(server.root, "serve", "--help");
    expect(help.stdout).toContain("--sts-strict-roles");
  });
});
