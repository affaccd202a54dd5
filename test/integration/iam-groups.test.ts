/** IAM groups: membership and group policies with the AWS CLI, boto3 and `s3dir group`. */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { s3dirJson } from "../helpers/cli.ts";
import { aws, type Credentials, expectOk, py, useHost } from "../helpers/index.ts";
import { becomes, s3Outcome } from "../helpers/outcome.ts";

setDefaultTimeout(60_000);

const { server, bucket } = useHost({ bucket: "groups" });
const account = "000000000000";
const arnOf = (policy: string) => `arn:aws:iam::${account}:policy/${policy}`;

async function iamCli(args: string[]): Promise<unknown> {
  return expectOk(await aws(server, ["iam", ...args]));
}

const cli = async (...args: string[]): Promise<unknown> => JSON.parse(await s3dirJson(server.root, ...args));

async function userWithKey(name: string): Promise<Credentials> {
  await iamCli(["create-user", "--user-name", name]);
  const key = (await iamCli(["create-access-key", "--user-name", name])) as {
    AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  };
  return { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
}

const list = (s3: S3Client) => s3.send(new ListObjectsV2Command({ Bucket: bucket }));
const put = (key: string) => (s3: S3Client) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "data" }));

function putPolicy(prefix: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/${prefix}*` }],
  });
}

describe("the AWS CLI", () => {
  test("a group's policies grant its members, and leaving the group revokes them", async () => {
    const ann = await userWithKey("ann");
    const created = (await iamCli(["create-group", "--group-name", "writers"])) as {
      Group: Record<string, string>;
    };
    expect(created.Group).toMatchObject({
      Path: "/",
      GroupName: "writers",
      Arn: `arn:aws:iam::${account}:group/writers`,
    });
    expect(created.Group.GroupId).toMatch(/^AGPA[A-Z2-7]{17}$/);
    await iamCli([
      "put-group-policy",
      "--group-name",
      "writers",
      "--policy-name",
      "shared",
      "--policy-document",
      putPolicy("shared/"),
    ]);
    expect(await s3Outcome(server, ann, put("shared/a.txt"))).toBe("AccessDenied");

    await iamCli(["add-user-to-group", "--group-name", "writers", "--user-name", "ann"]);
    expect(await becomes(server, "ok", ann, put("shared/a.txt"))).toBe("ok");
    expect(await s3Outcome(server, ann, put("private/a.txt"))).toBe("AccessDenied");
    expect(await s3Outcome(server, ann, list)).toBe("AccessDenied");

    // Union: the user's own policy and the group's both count.
    await iamCli(["attach-user-policy", "--user-name", "ann", "--policy-arn", arnOf("readonly")]);
    expect(await becomes(server, "ok", ann, list)).toBe("ok");
    expect(await s3Outcome(server, ann, put("shared/b.txt"))).toBe("ok");

    const group = (await iamCli(["get-group", "--group-name", "writers"])) as {
      Group: { GroupName: string };
      Users: { UserName: string; Arn: string }[];
    };
    expect(group.Group.GroupName).toBe("writers");
    expect(group.Users.map((u) => [u.UserName, u.Arn])).toEqual([
      ["ann", `arn:aws:iam::${account}:user/ann`],
    ]);
    const forUser = (await iamCli(["list-groups-for-user", "--user-name", "ann"])) as {
      Groups: { GroupName: string }[];
    };
    expect(forUser.Groups.map((g) => g.GroupName)).toEqual(["writers"]);
    expect(await iamCli(["list-group-policies", "--group-name", "writers"])).toEqual({
      PolicyNames: ["shared"],
    });
    const got = (await iamCli([
      "get-group-policy",
      "--group-name",
      "writers",
      "--policy-name",
      "shared",
    ])) as {
      PolicyDocument: unknown;
    };
    expect(got.PolicyDocument).toEqual(JSON.parse(putPolicy("shared/")));

    const refused = await aws(server, ["iam", "delete-group", "--group-name", "writers"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("DeleteConflict");

    await iamCli(["remove-user-from-group", "--group-name", "writers", "--user-name", "ann"]);
    expect(await becomes(server, "AccessDenied", ann, put("shared/c.txt"))).toBe("AccessDenied");
    expect(await s3Outcome(server, ann, list)).toBe("ok");
    expect(await iamCli(["list-groups-for-user", "--user-name", "ann"])).toEqual({ Groups: [] });
  });

  test("attached group policies grant, and DeleteGroup waits until the group is empty", async () => {
    const bo = await userWithKey("bo");
    await iamCli(["create-group", "--group-name", "readers"]);
    await iamCli(["attach-group-policy", "--group-name", "readers", "--policy-arn", arnOf("readonly")]);
    await iamCli(["add-user-to-group", "--group-name", "readers", "--user-name", "bo"]);
    expect(await becomes(server, "ok", bo, list)).toBe("ok");
    expect(await iamCli(["list-attached-group-policies", "--group-name", "readers"])).toEqual({
      AttachedPolicies: [{ PolicyName: "readonly", PolicyArn: arnOf("readonly") }],
    });
    await iamCli(["detach-group-policy", "--group-name", "readers", "--policy-arn", arnOf("readonly")]);
    expect(await becomes(server, "AccessDenied", bo, list)).toBe("AccessDenied");
    await iamCli(["remove-user-from-group", "--group-name", "readers", "--user-name", "bo"]);
    await iamCli(["delete-group", "--group-name", "readers"]);
    const gone = await aws(server, ["iam", "get-group", "--group-name", "readers"]);
    expect(gone.stderr).toContain("NoSuchEntity");
  });
});

describe("boto3", () => {
  test("creates, lists and deletes groups and their policies", async () => {
    const result = await py(
      server,
      `
      iam = boto3.client("iam", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"])
      iam.create_user(UserName="cy")
      iam.create_group(GroupName="ops")
      iam.add_user_to_group(GroupName="ops", UserName="cy")
      iam.put_group_policy(GroupName="ops", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
      names = [g["GroupName"] for g in iam.list_groups()["Groups"]]
      members = [u["UserName"] for u in iam.get_group(GroupName="ops")["Users"]]
      doc = iam.get_group_policy(GroupName="ops", PolicyName="p")["PolicyDocument"]
      try:
          iam.create_group(GroupName="ops")
          dup = "created"
      except botocore.exceptions.ClientError as e:
          dup = e.response["Error"]["Code"]
      iam.delete_group_policy(GroupName="ops", PolicyName="p")
      iam.remove_user_from_group(GroupName="ops", UserName="cy")
      iam.delete_group(GroupName="ops")
      try:
          iam.get_group(GroupName="ops")
          after = "found"
      except botocore.exceptions.ClientError as e:
          after = e.response["Error"]["Code"]
      out({"names": names, "members": members, "doc": doc, "dup": dup, "after": after})
      `,
    );
    const outcome = expectOk(result) as Record<string, unknown>;
    expect(outcome.names).toContain("ops");
    expect(outcome.members).toEqual(["cy"]);
    expect(outcome.doc).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
    });
    expect(outcome.dup).toBe("EntityAlreadyExists");
    expect(outcome.after).toBe("NoSuchEntity");
  });
});

describe("s3dir group", () => {
  test("manages groups, members and policies from the command line", async () => {
    const dee = await userWithKey("dee");
    await cli("group", "create", "auditors");
    await cli("group", "add-user", "auditors", "dee");
    await cli("group", "attach-policy", "auditors", "readonly");
    expect(await becomes(server, "ok", dee, list)).toBe("ok");
    expect(await cli("user", "show", "dee")).toMatchObject({ groups: ["auditors"] });
    expect(await cli("group", "show", "auditors")).toMatchObject({
      name: "auditors",
      users: ["dee"],
      policies: ["readonly"],
    });
    expect(await cli("group", "list")).toContainEqual({ name: "auditors", policies: ["readonly"] });
    await cli("group", "detach-policy", "auditors", "readonly");
    expect(await becomes(server, "AccessDenied", dee, list)).toBe("AccessDenied");
    await cli("group", "attach-policy", "auditors", "readonly");
    expect(await becomes(server, "ok", dee, list)).toBe("ok");
    await cli("group", "remove-user", "auditors", "dee");
    expect(await becomes(server, "AccessDenied", dee, list)).toBe("AccessDenied");
    await cli("group", "add-user", "auditors", "dee");
    await cli("group", "remove", "auditors");
    expect(((await cli("group", "list")) as { name: string }[]).map((g) => g.name)).not.toContain("auditors");
    expect(await becomes(server, "AccessDenied", dee, list)).toBe("AccessDenied");
  });
});
