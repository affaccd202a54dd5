/**
 * AssumeRoleWithWebIdentity against a real OpenID Connect provider running in the test: tokens it
 * signs become sessions with exactly the rights of the policies their roles claim names.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { startAuditReceiver } from "../helpers/audit-receiver.ts";
import {
  aws,
  type Credentials,
  expectOk,
  outcome,
  py,
  s3Client,
  s3dirCli,
  s3dirJson,
  sdkFailure,
  useHost,
  waitFor,
} from "../helpers/index.ts";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.ts";

setDefaultTimeout(60_000);

const { server, s3: admin } = useHost({ bucket: false });
const bucket = "oidc-data";
const roleArn = "arn:aws:iam::000000000000:role/web-readers";
let idp: TestOidcProvider;
let stranger: TestOidcProvider;

const cli = (...args: string[]): Promise<string> => s3dirJson(server.root, ...args);

const sts = () =>
  new STSClient({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: "unused", secretAccessKey: "unused" },
  });

async function assume(token: string, extra: { DurationSeconds?: number; Policy?: string } = {}) {
  return await sts().send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: "web-1",
      WebIdentityToken: token,
      ...extra,
    }),
  );
}

function credentialsOf(out: Awaited<ReturnType<typeof assume>>): Credentials {
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

beforeAll(async () => {
  idp = await startOidcProvider();
  stranger = await startOidcProvider();
  idp.accounts.set("alice", { roles: ["oidc-readers"] });
  idp.accounts.set("bob", { roles: ["no-such-policy"] });
  idp.accounts.set("carol", { roles: ["oidc-readers", "oidc-writers"] });
  const policy = (actions: string[], resource: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: actions, Resource: resource }],
    });
  const dir = server.root;
  await writeFile(
    join(dir, "readers.json"),
    policy(["s3:GetObject", "s3:ListBucket"], `arn:aws:s3:::${bucket}*`),
  );
  await writeFile(join(dir, "writers.json"), policy(["s3:PutObject"], `arn:aws:s3:::${bucket}/*`));
  await cli("policy", "add", "oidc-readers", join(dir, "readers.json"));
  await cli("policy", "add", "oidc-writers", join(dir, "writers.json"));
  await cli("oidc", "add", "--issuer", idp.issuer, "--client-id", "s3dir", "--name", "test-idp");
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "a.txt", Body: "hello" }));
});

afterAll(async () => {
  await idp?.close();
  await stranger?.close();
});

describe("s3dir oidc", () => {
  test("add, show, update, list and remove providers", async () => {
    const shown = JSON.parse(await cli("oidc", "show", "test-idp"));
    expect(shown).toMatchObject({
      name: "test-idp",
      issuer: idp.issuer,
      clientIds: ["s3dir"],
      claimName: "roles",
    });
    await cli("oidc", "add", "--issuer", stranger.issuer, "--name", "second");
    expect(JSON.parse(await cli("oidc", "update", "second", "--audience", "x,y")).clientIds).toEqual([
      "x",
      "y",
    ]);
    expect((JSON.parse(await cli("oidc", "list")) as { name: string }[]).map((p) => p.name)).toEqual([
      "second",
      "test-idp",
    ]);
    await cli("oidc", "remove", "second");
    const missing = await s3dirCli(server.root, "oidc", "show", "second");
    expect(missing.code).not.toBe(0);
    const unreachable = await s3dirCli(server.root, "oidc", "add", "--issuer", "http://127.0.0.1:9/");
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toContain("discovery failed");
  });
});

describe("AssumeRoleWithWebIdentity (Weka's mapping: the roles claim names policies)", () => {
  test("the JS SDK: the session has exactly the named policy's rights, and names the federated user", async () => {
    const out = await assume(await idp.idToken("alice"));
    expect(out.SubjectFromWebIdentityToken).toBe("alice");
    expect(out.Provider).toBe(idp.issuer);
    expect(out.Audience).toBe("s3dir");
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::000000000000:assumed-role/web-readers/web-1");
    expect(out.Credentials?.AccessKeyId).toStartWith("ASIA");
    const stsId = out.$metadata.requestId;
    await waitFor(() => server.accessLog().some((e) => e.requestId === stsId));
    expect(server.accessLog().find((e) => e.requestId === stsId)).toMatchObject({
      operation: "sts:AssumeRoleWithWebIdentity",
      principal: "oidc:test-idp:alice",
      status: 200,
    });
    const s3 = s3Client(server, credentialsOf(out));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello");
    // The access log and the audit trail name the federated identity: provider and sub.
    const requestId = got.$metadata.requestId;
    await waitFor(() => server.accessLog().some((e) => e.requestId === requestId));
    expect(server.accessLog().find((e) => e.requestId === requestId)).toMatchObject({
      principal: "oidc:test-idp:alice",
      principalKind: "session",
      sessionArn: "arn:aws:sts::000000000000:assumed-role/web-readers/web-1",
    });
    expect(await outcome(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "b.txt", Body: "x" })))).toBe(
      "AccessDenied",
    );
  });

  test("the audit trail names the web identity: WebIdentityUser logs in, its session is an AssumedRole", async () => {
    const audit = await startAuditReceiver(server);
    try {
      const out = await assume(await idp.idToken("alice"));
      const got = await s3Client(server, credentialsOf(out)).send(
        new GetObjectCommand({ Bucket: bucket, Key: "a.txt" }),
      );
      const login = await audit.eventOf(out.$metadata.requestId!);
      expect(login).toMatchObject({
        operation: "sts:AssumeRoleWithWebIdentity",
        principal: {
          type: "session",
          federated: { provider: "test-idp", issuer: idp.issuer, subject: "alice" },
        },
        userIdentity: { type: "WebIdentityUser", userName: "alice", identityProvider: idp.issuer },
      });
      expect(await audit.eventOf(got.$metadata.requestId!)).toMatchObject({
        operation: "GetObject",
        principal: { type: "session", user: "oidc:test-idp:alice" },
        userIdentity: {
          type: "AssumedRole",
          arn: "arn:aws:sts::000000000000:assumed-role/web-readers/web-1",
          accountId: "000000000000",
          accessKeyId: out.Credentials!.AccessKeyId,
          sessionContext: {
            sessionIssuer: { type: "Role", arn: roleArn, userName: "web-readers" },
            webIdFederationData: { federatedProvider: idp.issuer, attributes: { sub: "alice" } },
          },
        },
      });
    } finally {
      await audit.stop();
    }
  });

  test("several policies named by the claim are merged", async () => {
    const s3 = s3Client(server, credentialsOf(await assume(await idp.idToken("carol"))));
    expect(
      await outcome(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "carol.txt", Body: "x" }))),
    ).toBe("allowed");
  });

  test("a token whose claim names no policy is refused with AccessDenied", async () => {
    const failure = await sdkFailure(assume(await idp.idToken("bob")));
    expect(failure).toMatchObject({ name: "AccessDenied", status: 403 });
  });

  test("boto3's assume_role_with_web_identity (unsigned), then S3 with the credentials", async () => {
    const token = await idp.idToken("alice");
    const result = expectOk(
      await py(
        server,
        `
        sts = boto3.client("sts", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"])
        c = sts.assume_role_with_web_identity(RoleArn="${roleArn}", RoleSessionName="boto", WebIdentityToken=os.environ["TOKEN"])
        k = c["Credentials"]
        s = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"],
            aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"], aws_session_token=k["SessionToken"])
        body = s.get_object(Bucket="${bucket}", Key="a.txt")["Body"].read().decode()
        try:
            s.put_object(Bucket="${bucket}", Key="boto.txt", Body=b"x")
            put = "allowed"
        except botocore.exceptions.ClientError as e:
            put = e.response["Error"]["Code"]
        out({"subject": c["SubjectFromWebIdentityToken"], "body": body, "put": put})
        `,
        { env: { TOKEN: token } },
      ),
    );
    expect(result).toEqual({ subject: "alice", body: "hello", put: "AccessDenied" });
  });

  test("the AWS CLI's sts assume-role-with-web-identity, then s3api with the credentials", async () => {
    const token = await idp.idToken("alice");
    const out = expectOk(
      await aws(server, [
        "sts",
        "assume-role-with-web-identity",
        "--role-arn",
        roleArn,
        "--role-session-name",
        "cli",
        "--web-identity-token",
        token,
        "--duration-seconds",
        "900",
      ]),
    ) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } };
    const session = {
      accessKeyId: out.Credentials.AccessKeyId,
      secretAccessKey: out.Credentials.SecretAccessKey,
      sessionToken: out.Credentials.SessionToken,
    };
    const listed = expectOk(
      await aws(server, ["s3api", "list-objects-v2", "--bucket", bucket], { credentials: session }),
    );
    expect(JSON.stringify(listed)).toContain("a.txt");
    const who = expectOk(await aws(server, ["sts", "get-caller-identity"], { credentials: session })) as {
      Arn: string;
    };
    expect(who.Arn).toBe("arn:aws:sts::000000000000:assumed-role/web-readers/cli");
  });

  test("DurationSeconds below 900 or above the server's maximum is a ValidationError", async () => {
    const token = await idp.idToken("alice");
    expect(await sdkFailure(assume(token, { DurationSeconds: 899 }))).toMatchObject({
      name: "ValidationError",
    });
    expect(await sdkFailure(assume(token, { DurationSeconds: 43_201 }))).toMatchObject({
      name: "ValidationError",
    });
  });
});

describe("tokens that are refused", () => {
  test("only AssumeRoleWithWebIdentity is answered unsigned", async () => {
    const res = await fetch(`${server.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>MissingAuthenticationToken</Code>");
  });

  test("a token for another audience: InvalidIdentityToken", async () => {
    const failure = await sdkFailure(assume(await idp.idToken("alice", "other-app")));
    expect(failure).toMatchObject({ name: "InvalidIdentityToken", status: 400 });
  });

  test("a token from an issuer that is not configured: InvalidIdentityToken", async () => {
    const failure = await sdkFailure(assume(await stranger.idToken("alice")));
    expect(failure).toMatchObject({ name: "InvalidIdentityToken", status: 400 });
    expect(failure.message).toContain(stranger.issuer);
  });

  test("a tampered token (claims changed after signing): InvalidIdentityToken", async () => {
    const [header, payload, signature] = (await idp.idToken("alice")).split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    claims.roles = ["oidc-writers"];
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    expect(await sdkFailure(assume(forged))).toMatchObject({ name: "InvalidIdentityToken", status: 400 });
    expect(await sdkFailure(assume("not-a-jwt"))).toMatchObject({
      name: "InvalidIdentityToken",
      status: 400,
    });
  });

  test("an expired token: ExpiredTokenException", async () => {
    // The provider runs in this process: issue the token with its clock an hour behind, so that
    // the token (valid five minutes) expired long ago, past any allowed clock skew.
    const realNow = Date.now;
    Date.now = () => realNow() - 3_600_000;
    let token: string;
    try {
      token = await idp.idToken("alice");
    } finally {
      Date.now = realNow;
    }
    const exp = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).exp as number;
    expect(exp * 1000).toBeLessThan(realNow() - 3_000_000);
    expect(await sdkFailure(assume(token))).toMatchObject({ name: "ExpiredTokenException", status: 400 });
  });
});

describe("key rotation at the provider", () => {
  test("a token signed with a new key is accepted without restarting the server", async () => {
    await assume(await idp.idToken("alice"));
    await idp.rotateKey();
    const token = await idp.idToken("alice");
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid).toBe("key-2");
    // The cached key set is fetched again for an unknown kid once its short cooldown is over.
    await Bun.sleep(2100);
    const out = await assume(token);
    expect(out.SubjectFromWebIdentityToken).toBe("alice");
  });
});

describe("AssumeRoleWithWebIdentity (AWS's mapping: a stored role's trust policy decides)", () => {
  test("a role trusting the provider for one subject gives that subject the role's rights, and no one else", async () => {
    const host = idp.issuer.replace(/^https?:\/\//, "");
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: host },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${host}:aud`]: "s3dir", [`${host}:sub`]: "alice" } },
        },
      ],
    });
    const trustFile = join(server.root, "web-writers-trust.json");
    await writeFile(trustFile, trust);
    expectOk(
      await aws(server, [
        "iam",
        "create-role",
        "--role-name",
        "web-writers",
        "--assume-role-policy-document",
        `file://${trustFile}`,
      ]),
    );
    const writes = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/role/*` }],
    });
    expectOk(
      await aws(server, [
        "iam",
        "put-role-policy",
        "--role-name",
        "web-writers",
        "--policy-name",
        "writes",
        "--policy-document",
        writes,
      ]),
    );
    const asRole = (token: string) =>
      sts().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: "arn:aws:iam::000000000000:role/web-writers",
          RoleSessionName: "role-1",
          WebIdentityToken: token,
        }),
      );
    // alice is trusted: the role's rights (write under role/), not her claim's policies (read).
    const out = await asRole(await idp.idToken("alice"));
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::000000000000:assumed-role/web-writers/role-1");
    const s3 = s3Client(server, credentialsOf(out));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "role/x.txt", Body: "x" }));
    expect(await outcome(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a.txt" })))).toBe(
      "AccessDenied",
    );
    // carol's token is valid, but the trust policy names alice only.
    const refused = await sdkFailure(asRole(await idp.idToken("carol")));
    expect(refused.status).toBe(403);
    expect(refused.name).toBe("AccessDenied");
  });
});
