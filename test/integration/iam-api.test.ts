/** The IAM Query API on the S3 endpoint: users, keys and policies with the AWS CLI, boto3 and the JS SDK. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeletePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListPoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  NoSuchEntityException,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { AwsClient } from "aws4fetch";
import {
  aws,
  type Credentials,
  expectOk,
  py,
  s3dirJson,
  sdkFailure,
  useHost,
  waitFor,
} from "../helpers/index.ts";
import { becomes, s3Outcome } from "../helpers/outcome.ts";

setDefaultTimeout(60_000);

const { server, s3: admin } = useHost({ bucket: false });
let rootIam: IAMClient;
const bucket = "iam-data";
const account = "000000000000";
const arnOf = (policy: string) => `arn:aws:iam::${account}:policy/${policy}`;

function iam(credentials?: Credentials): IAMClient {
  return new IAMClient({
    endpoint: server.endpoint,
    region: server.region,
    credentials: credentials ?? { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

async function iamCli(args: string[], credentials?: Credentials): Promise<unknown> {
  return expectOk(await aws(server, ["iam", ...args], { credentials }));
}

const cli = (...args: string[]): Promise<string> => s3dirJson(server.root, ...args);

const listObjects = (s3: S3Client) => s3.send(new ListObjectsV2Command({ Bucket: bucket }));
const putObject = (key: string) => (s3: S3Client) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "data" }));

function prefixPolicy(prefix: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/${prefix}*` }],
  });
}

beforeAll(async () => {
  rootIam = iam();
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "public/a.txt", Body: "hello" }));
});
afterAll(() => {
  rootIam?.destroy();
});

describe("the AWS CLI", () => {
  test("creates a user and a key that S3 honours as policies are attached and removed", async () => {
    const created = (await iamCli(["create-user", "--user-name", "bob"])) as { User: Record<string, string> };
    expect(created.User).toMatchObject({
      Path: "/",
      UserName: "bob",
      Arn: `arn:aws:iam::${account}:user/bob`,
    });
    expect(created.User.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(created.User.CreateDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|Z)$/);
    const key = (await iamCli(["create-access-key", "--user-name", "bob"])) as {
      AccessKey: { AccessKeyId: string; SecretAccessKey: string; Status: string; UserName: string };
    };
    expect(key.AccessKey).toMatchObject({ UserName: "bob", Status: "Active" });
    const bob = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };

    // A new user has no rights: its key authenticates, but is refused.
    expect(await becomes(server, "AccessDenied", bob, (s3) => s3.send(new ListBucketsCommand({})))).toBe(
      "AccessDenied",
    );

    await iamCli(["attach-user-policy", "--user-name", "bob", "--policy-arn", arnOf("readonly")]);
    expect(await becomes(server, "ok", bob, listObjects)).toBe("ok");
    expect(
      await s3Outcome(server, bob, (s3) =>
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" })),
      ),
    ).toBe("ok");
    expect(await s3Outcome(server, bob, putObject("home/bob/x.txt"))).toBe("AccessDenied");

    await iamCli([
      "put-user-policy",
      "--user-name",
      "bob",
      "--policy-name",
      "home",
      "--policy-document",
      prefixPolicy("home/bob/"),
    ]);
    expect(await becomes(server, "ok", bob, putObject("home/bob/x.txt"))).toBe("ok");
    expect(await s3Outcome(server, bob, putObject("home/other/x.txt"))).toBe("AccessDenied");
    const got = (await iamCli(["get-user-policy", "--user-name", "bob", "--policy-name", "home"])) as {
      PolicyDocument: unknown;
    };
    expect(got.PolicyDocument).toEqual(JSON.parse(prefixPolicy("home/bob/")));
    expect(await iamCli(["list-user-policies", "--user-name", "bob"])).toEqual({ PolicyNames: ["home"] });
    expect(await iamCli(["list-attached-user-policies", "--user-name", "bob"])).toEqual({
      AttachedPolicies: [{ PolicyName: "readonly", PolicyArn: arnOf("readonly") }],
    });

    await iamCli(["delete-user-policy", "--user-name", "bob", "--policy-name", "home"]);
    expect(await becomes(server, "AccessDenied", bob, putObject("home/bob/y.txt"))).toBe("AccessDenied");
    await iamCli(["detach-user-policy", "--user-name", "bob", "--policy-arn", arnOf("readonly")]);
    expect(await becomes(server, "AccessDenied", bob, listObjects)).toBe("AccessDenied");
  });

  test("DeleteUser is refused while the user has keys, then succeeds once they are gone", async () => {
    const result = await aws(server, ["iam", "delete-user", "--user-name", "bob"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("DeleteConflict");
    const keys = (await iamCli(["list-access-keys", "--user-name", "bob"])) as {
      AccessKeyMetadata: { AccessKeyId: string }[];
    };
    expect(keys.AccessKeyMetadata).toHaveLength(1);
    await iamCli([
      "delete-access-key",
      "--user-name",
      "bob",
      "--access-key-id",
      keys.AccessKeyMetadata[0]!.AccessKeyId,
    ]);
    await iamCli(["delete-user", "--user-name", "bob"]);
    const gone = await aws(server, ["iam", "get-user", "--user-name", "bob"]);
    expect(gone.stderr).toContain("NoSuchEntity");
  });

  test("a malformed policy is refused with the reason", async () => {
    await iamCli(["create-user", "--user-name", "mallory"]);
    const bad = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:NoSuchThing", Resource: "*" }],
    });
    const result = await aws(server, [
      "iam",
      "put-user-policy",
      "--user-name",
      "mallory",
      "--policy-name",
      "p",
      "--policy-document",
      bad,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("MalformedPolicyDocument");
    expect(result.stderr).toContain("s3:NoSuchThing");
    await iamCli(["delete-user", "--user-name", "mallory"]);
  });
});

describe("boto3", () => {
  test("manages users, keys and policies; lists page with MaxItems and Marker", async () => {
    const result = await py(
      server,
      `
      iam = boto3.client("iam", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"])
      for n in ["py-a", "py-b", "py-c"]:
          iam.create_user(UserName=n)
      first = iam.list_users(MaxItems=2)
      second = iam.list_users(MaxItems=2, Marker=first["Marker"])
      paged = [u["UserName"] for p in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 1}) for u in p["Users"]]
      key = iam.create_access_key(UserName="py-a")["AccessKey"]
      iam.update_access_key(UserName="py-a", AccessKeyId=key["AccessKeyId"], Status="Inactive")
      keys = iam.list_access_keys(UserName="py-a")["AccessKeyMetadata"]
      doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${bucket}/*"}]})
      pol = iam.create_policy(PolicyName="py-read", PolicyDocument=doc)["Policy"]
      iam.attach_user_policy(UserName="py-b", PolicyArn=pol["Arn"])
      got = iam.get_policy(PolicyArn=pol["Arn"])["Policy"]
      local = iam.list_policies(Scope="Local")["Policies"]
      iam.put_user_policy(UserName="py-c", PolicyName="inline", PolicyDocument=doc)
      inline = iam.get_user_policy(UserName="py-c", PolicyName="inline")
      try:
          iam.delete_policy(PolicyArn=pol["Arn"])
          conflict = "deleted"
      except botocore.exceptions.ClientError as e:
          conflict = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
      try:
          iam.get_user(UserName="py-nobody")
          missing = "found"
      except iam.exceptions.NoSuchEntityException as e:
          missing = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
      out({
          "first": [[u["UserName"] for u in first["Users"]], first["IsTruncated"], "Marker" in first],
          "second": [[u["UserName"] for u in second["Users"]], second["IsTruncated"], "Marker" in second],
          "paged": paged,
          "key": [key["UserName"], key["Status"], len(key["SecretAccessKey"])],
          "keys": [[k["AccessKeyId"] == key["AccessKeyId"], k["Status"], k["UserName"]] for k in keys],
          "policy": [pol["PolicyName"], pol["Arn"], pol["DefaultVersionId"], pol["AttachmentCount"], pol["IsAttachable"], pol["PolicyId"][:4]],
          "attached": got["AttachmentCount"],
          "local": [p["PolicyName"] for p in local],
          "inline": [inline["UserName"], inline["PolicyName"], inline["PolicyDocument"] == json.loads(doc)],
          "conflict": conflict,
          "missing": missing,
      })
      `,
    );
    expect(result.stderr).toBe("");
    expect(result.json).toEqual({
      first: [["py-a", "py-b"], true, true],
      second: [["py-c"], false, false],
      paged: ["py-a", "py-b", "py-c"],
      key: ["py-a", "Active", 40],
      keys: [[true, "Inactive", "py-a"]],
      policy: ["py-read", arnOf("py-read"), "v1", 0, true, "ANPA"],
      attached: 1,
      local: ["py-read"],
      inline: ["py-c", "inline", true],
      conflict: ["DeleteConflict", 409],
      missing: ["NoSuchEntity", 404],
    });
  });
});

describe("the JS SDK", () => {
  test("UpdateAccessKey Inactive refuses the key within 2 s, Active admits it again", async () => {
    await rootIam.send(new CreateUserCommand({ UserName: "js-key" }));
    await rootIam.send(new AttachUserPolicyCommand({ UserName: "js-key", PolicyArn: arnOf("readonly") }));
    const { AccessKey } = await rootIam.send(new CreateAccessKeyCommand({ UserName: "js-key" }));
    const creds = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    expect(AccessKey!.CreateDate).toBeInstanceOf(Date);
    expect(await becomes(server, "ok", creds, listObjects)).toBe("ok");
    await rootIam.send(
      new UpdateAccessKeyCommand({ UserName: "js-key", AccessKeyId: creds.accessKeyId, Status: "Inactive" }),
    );
    const started = Date.now();
    expect(await becomes(server, "InvalidAccessKeyId", creds, listObjects, 2000)).toBe("InvalidAccessKeyId");
    expect(Date.now() - started).toBeLessThan(2500);
    await rootIam.send(
      new UpdateAccessKeyCommand({ UserName: "js-key", AccessKeyId: creds.accessKeyId, Status: "Active" }),
    );
    expect(await becomes(server, "ok", creds, listObjects)).toBe("ok");
  });

  test("gets and lists with the documented shapes", async () => {
    const user = (await rootIam.send(new GetUserCommand({ UserName: "js-key" }))).User!;
    expect(user).toMatchObject({ Path: "/", UserName: "js-key", Arn: `arn:aws:iam::${account}:user/js-key` });
    expect(user.CreateDate).toBeInstanceOf(Date);
    const self = (await rootIam.send(new GetUserCommand({}))).User!;
    expect(self).toMatchObject({ UserName: "root", UserId: account, Arn: `arn:aws:iam::${account}:root` });

    const keys = await rootIam.send(new ListAccessKeysCommand({ UserName: "js-key" }));
    expect(keys.IsTruncated).toBe(false);
    expect(keys.AccessKeyMetadata?.map((k) => [k.UserName, k.Status])).toEqual([["js-key", "Active"]]);

    await rootIam.send(new AttachUserPolicyCommand({ UserName: "js-key", PolicyArn: arnOf("writeonly") }));
    // Attaching again is not an error (as in AWS).
    await rootIam.send(new AttachUserPolicyCommand({ UserName: "js-key", PolicyArn: arnOf("writeonly") }));
    const page1 = await rootIam.send(
      new ListAttachedUserPoliciesCommand({ UserName: "js-key", MaxItems: 1 }),
    );
    expect(page1.AttachedPolicies).toEqual([{ PolicyName: "readonly", PolicyArn: arnOf("readonly") }]);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await rootIam.send(
      new ListAttachedUserPoliciesCommand({ UserName: "js-key", MaxItems: 1, Marker: page1.Marker }),
    );
    expect(page2.AttachedPolicies).toEqual([{ PolicyName: "writeonly", PolicyArn: arnOf("writeonly") }]);
    expect(page2.IsTruncated).toBe(false);
    expect(page2.Marker).toBeUndefined();

    const document = prefixPolicy("js/");
    await rootIam.send(
      new PutUserPolicyCommand({ UserName: "js-key", PolicyName: "js", PolicyDocument: document }),
    );
    const inline = await rootIam.send(new GetUserPolicyCommand({ UserName: "js-key", PolicyName: "js" }));
    // IAM returns the document URL-encoded; the JS SDK does not decode it.
    expect(JSON.parse(decodeURIComponent(inline.PolicyDocument!))).toEqual(JSON.parse(document));
    expect((await rootIam.send(new ListUserPoliciesCommand({ UserName: "js-key" }))).PolicyNames).toEqual([
      "js",
    ]);
    await rootIam.send(new DeleteUserPolicyCommand({ UserName: "js-key", PolicyName: "js" }));
    expect((await rootIam.send(new ListUserPoliciesCommand({ UserName: "js-key" }))).PolicyNames).toEqual([]);

    const created = await rootIam.send(
      new CreatePolicyCommand({ PolicyName: "js-policy", PolicyDocument: document }),
    );
    expect(created.Policy).toMatchObject({
      PolicyName: "js-policy",
      Arn: arnOf("js-policy"),
      Path: "/",
      DefaultVersionId: "v1",
      AttachmentCount: 0,
      IsAttachable: true,
    });
    expect(created.Policy!.CreateDate).toBeInstanceOf(Date);
    expect(created.Policy!.UpdateDate).toBeInstanceOf(Date);
    const byName = await rootIam.send(new GetPolicyCommand({ PolicyArn: arnOf("js-policy") }));
    expect(byName.Policy!.PolicyId).toBe(created.Policy!.PolicyId!);
    const all = await rootIam.send(new ListPoliciesCommand({}));
    expect(all.Policies?.map((p) => p.PolicyName)).toEqual(
      expect.arrayContaining(["js-policy", "readonly", "readwrite", "writeonly"]),
    );
    const aws = await rootIam.send(new ListPoliciesCommand({ Scope: "AWS" }));
    expect(aws.Policies?.map((p) => p.PolicyName)).toEqual(["readonly", "readwrite", "writeonly"]);
    const onePage = await rootIam.send(new ListPoliciesCommand({ Scope: "AWS", MaxItems: 2 }));
    expect([onePage.Policies?.length, onePage.IsTruncated, onePage.Marker]).toEqual([2, true, "writeonly"]);
    await rootIam.send(new DeletePolicyCommand({ PolicyArn: arnOf("js-policy") }));
    expect(
      (await sdkFailure(rootIam.send(new GetPolicyCommand({ PolicyArn: arnOf("js-policy") })))).name,
    ).toBe("NoSuchEntity");
  });

  test("answers each refusal with its IAM error code and status", async () => {
    const failure = async (call: Promise<unknown>) => {
      const f = await sdkFailure(call);
      return [f.name, f.status];
    };
    await rootIam.send(new CreateUserCommand({ UserName: "js-errors" }));
    // The SDK recognizes the codes as its modeled exceptions.
    const modeled = await rootIam.send(new GetUserCommand({ UserName: "js-nobody" })).catch((e) => e);
    expect(modeled).toBeInstanceOf(NoSuchEntityException);
    expect(await failure(rootIam.send(new CreateUserCommand({ UserName: "js-errors" })))).toEqual([
      "EntityAlreadyExists",
      409,
    ]);
    expect(
      await failure(
        rootIam.send(
          new CreateUserCommand({ UserName: "js-bounded", PermissionsBoundary: arnOf("readonly") }),
        ),
      ),
    ).toEqual(["InvalidInput", 400]);
    expect(await failure(rootIam.send(new GetUserCommand({ UserName: "js-nobody" })))).toEqual([
      "NoSuchEntity",
      404,
    ]);
    expect(await failure(rootIam.send(new CreateUserCommand({ UserName: "bad name" })))).toEqual([
      "ValidationError",
      400,
    ]);
    const { AccessKey } = await rootIam.send(new CreateAccessKeyCommand({ UserName: "js-errors" }));
    expect(
      await failure(
        rootIam.send(
          new UpdateAccessKeyCommand({
            UserName: "js-errors",
            AccessKeyId: AccessKey!.AccessKeyId!,
            Status: "Bogus" as "Active",
          }),
        ),
      ),
    ).toEqual(["ValidationError", 400]);
    // A key of another user is not found under this one.
    expect(
      await failure(
        rootIam.send(
          new DeleteAccessKeyCommand({ UserName: "js-key", AccessKeyId: AccessKey!.AccessKeyId! }),
        ),
      ),
    ).toEqual(["NoSuchEntity", 404]);
    expect(await failure(rootIam.send(new DeleteUserCommand({ UserName: "js-errors" })))).toEqual([
      "DeleteConflict",
      409,
    ]);
    await rootIam.send(
      new DeleteAccessKeyCommand({ UserName: "js-errors", AccessKeyId: AccessKey!.AccessKeyId! }),
    );
    await rootIam.send(
      new PutUserPolicyCommand({
        UserName: "js-errors",
        PolicyName: "p",
        PolicyDocument: prefixPolicy("x/"),
      }),
    );
    expect(await failure(rootIam.send(new DeleteUserCommand({ UserName: "js-errors" })))).toEqual([
      "DeleteConflict",
      409,
    ]);
    await rootIam.send(new DeleteUserPolicyCommand({ UserName: "js-errors", PolicyName: "p" }));
    await rootIam.send(new AttachUserPolicyCommand({ UserName: "js-errors", PolicyArn: arnOf("readonly") }));
    expect(await failure(rootIam.send(new DeleteUserCommand({ UserName: "js-errors" })))).toEqual([
      "DeleteConflict",
      409,
    ]);
    await rootIam.send(new DetachUserPolicyCommand({ UserName: "js-errors", PolicyArn: arnOf("readonly") }));
    expect(
      await failure(
        rootIam.send(new DetachUserPolicyCommand({ UserName: "js-errors", PolicyArn: arnOf("readonly") })),
      ),
    ).toEqual(["NoSuchEntity", 404]);
    await rootIam.send(new DeleteUserCommand({ UserName: "js-errors" }));

    const malformed = await sdkFailure(
      rootIam.send(new CreatePolicyCommand({ PolicyName: "broken", PolicyDocument: "{not json" })),
    );
    expect([malformed.name, malformed.status]).toEqual(["MalformedPolicyDocument", 400]);
    expect(malformed.message).toContain("invalid JSON");
    expect(
      await failure(
        rootIam.send(new CreatePolicyCommand({ PolicyName: "readonly", PolicyDocument: prefixPolicy("") })),
      ),
    ).toEqual(["EntityAlreadyExists", 409]);
    expect(await failure(rootIam.send(new DeletePolicyCommand({ PolicyArn: arnOf("readonly") })))).toEqual([
      "UnmodifiableEntity",
      400,
    ]);
    expect(await failure(rootIam.send(new DeleteUserCommand({ UserName: "root" })))).toEqual([
      "UnmodifiableEntity",
      400,
    ]);
    expect(await failure(rootIam.send(new CreateAccessKeyCommand({})))).toEqual(["UnmodifiableEntity", 400]);
    expect(
      await failure(
        rootIam.send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::123456789012:policy/readonly" })),
      ),
    ).toEqual(["NoSuchEntity", 404]);
  });

  test("a bare policy name works where an ARN is expected", async () => {
    await rootIam.send(new CreateUserCommand({ UserName: "js-bare" }));
    await rootIam.send(new AttachUserPolicyCommand({ UserName: "js-bare", PolicyArn: "readwrite" }));
    const attached = await rootIam.send(new ListAttachedUserPoliciesCommand({ UserName: "js-bare" }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(["readwrite"]);
    await rootIam.send(new DetachUserPolicyCommand({ UserName: "js-bare", PolicyArn: "readwrite" }));
    await rootIam.send(new DeleteUserCommand({ UserName: "js-bare" }));
  });
});

describe("who may call IAM", () => {
  test("an admin user and its unnarrowed STS session may; an s3 user and a narrowed session are refused", async () => {
    await cli("user", "add", "iam-admin", "--role", "admin");
    const adminKey = JSON.parse(await cli("key", "create", "iam-admin")) as Credentials;
    await cli("user", "add", "iam-plain", "--role", "s3");
    await cli("policy", "attach", "readwrite", "iam-plain");
    const plainKey = JSON.parse(await cli("key", "create", "iam-plain")) as Credentials;

    const asAdmin = iam(adminKey);
    let created = false;
    await waitFor(async () => {
      created = await asAdmin.send(new CreateUserCommand({ UserName: "made-by-admin" })).then(
        () => true,
        () => false,
      );
      return created;
    }, 3000);
    expect(created).toBe(true);
    // Without UserName, CreateAccessKey and GetUser apply to the caller.
    const own = await asAdmin.send(new CreateAccessKeyCommand({}));
    expect(own.AccessKey?.UserName).toBe("iam-admin");
    expect((await asAdmin.send(new GetUserCommand({}))).User?.UserName).toBe("iam-admin");
    asAdmin.destroy();

    const asPlain = iam(plainKey);
    let denied = await sdkFailure(asPlain.send(new ListUsersCommand({})));
    await waitFor(async () => {
      denied = await sdkFailure(asPlain.send(new ListUsersCommand({})));
      return denied.name === "AccessDenied";
    }, 3000);
    expect([denied.name, denied.status]).toEqual(["AccessDenied", 403]);
    expect(denied.message).toBe(
      `User: arn:aws:iam::${account}:user/iam-plain is not authorized to perform: iam:ListUsers`,
    );
    asPlain.destroy();

    const cliDenied = await aws(server, ["iam", "create-user", "--user-name", "nope"], {
      credentials: plainKey,
    });
    expect(cliDenied.code).not.toBe(0);
    expect(cliDenied.stderr).toContain("AccessDenied");

    // A session of the root credential narrowed by a session policy cannot use IAM; one with the
    // root's full rights (as the web console signs in) can.
    const sts = new STSClient({
      endpoint: server.endpoint,
      region: server.region,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    const sessionOf = async (policy?: string) => {
      const assumed = await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${account}:role/any`,
          RoleSessionName: "iam-test",
          Policy: policy,
        }),
      );
      const c = assumed.Credentials!;
      return iam({
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      });
    };
    const narrowed = await sessionOf(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "iam:*", Resource: "*" }],
      }),
    );
    const sessionDenied = await sdkFailure(narrowed.send(new CreateUserCommand({ UserName: "nope" })));
    expect([sessionDenied.name, sessionDenied.status]).toEqual(["AccessDenied", 403]);
    expect(sessionDenied.message).toContain("assumed-role/any/iam-test");
    narrowed.destroy();
    const asSession = await sessionOf();
    const listed = await asSession.send(new ListUsersCommand({}));
    expect(listed.Users?.some((u) => u.UserName === "iam-plain")).toBe(true);
    sts.destroy();
    asSession.destroy();
  });

  test("an Action inherited from Object.prototype is not an action", async () => {
    const client = new AwsClient({
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      service: "iam",
      region: server.region,
    });
    const res = await client.fetch(`${server.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=toString&Version=2010-05-08",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("InvalidAction");
  });
});
