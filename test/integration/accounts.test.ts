/**
 * Accounts (tenants): each with its own root credential, IAM users and buckets; bucket ownership,
 * ListBuckets per account, BucketAlreadyExists across accounts, cross-account access through the
 * bucket policy AND the caller's identity policies, as AWS evaluates it; the admin CLI; and a root
 * laid out before accounts existed.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  ListUsersCommand,
} from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  aws,
  type Credentials,
  expectOk,
  outcome,
  s3Client,
  s3dirCli,
  sdkFailure,
  startHost,
  type TestServer,
  uniqueBucket,
  useHost,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3: firstRoot } = useHost({ bucket: false });

interface Account {
  accountId: string;
  canonicalId: string;
  displayName: string;
  accessKeyId: string;
  secretAccessKey: string;
}

async function cliJson<T>(root: string, ...args: string[]): Promise<T> {
  const result = await s3dirCli(root, ...args, "--json");
  if (result.code !== 0) throw new Error(`s3dir ${args.join(" ")} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const credsOf = (a: { accessKeyId: string; secretAccessKey: string }): Credentials => ({
  accessKeyId: a.accessKeyId,
  secretAccessKey: a.secretAccessKey,
});

function iam(credentials: Credentials): IAMClient {
  return new IAMClient({ endpoint: server.endpoint, region: server.region, credentials });
}

/** An IAM user of an account, made with that account's root over the IAM API, with an inline policy. */
async function userOf(account: Account, name: string, statements?: object[]): Promise<Credentials> {
  const client = iam(credsOf(account));
  await client.send(new CreateUserCommand({ UserName: name }));
  if (statements) {
    const file = join(server.root, `${account.displayName}-${name}.json`);
    await Bun.write(file, JSON.stringify({ Version: "2012-10-17", Statement: statements }));
    const put = await aws(
      server,
      [
        "iam",
        "put-user-policy",
        "--user-name",
        name,
        "--policy-name",
        "p",
        "--policy-document",
        `file://${file}`,
      ],
      { credentials: credsOf(account) },
    );
    expectOk(put);
  }
  const key = await client.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
}

let alpha: Account;
let beta: Account;
const alphaBucket = uniqueBucket("alpha");
const betaBucket = uniqueBucket("beta");

beforeAll(async () => {
  alpha = await cliJson<Account>(server.root, "account", "create", "alpha");
  beta = await cliJson<Account>(server.root, "account", "create", "beta");
  await s3Client(server, credsOf(alpha)).send(new CreateBucketCommand({ Bucket: alphaBucket }));
  await s3Client(server, credsOf(alpha)).send(
    new PutObjectCommand({ Bucket: alphaBucket, Key: "report.txt", Body: "alpha's report" }),
  );
  await s3Client(server, credsOf(beta)).send(new CreateBucketCommand({ Bucket: betaBucket }));
});

describe("accounts", () => {
  test("account create gives a 12-digit id, a canonical id and a root credential; list shows them", async () => {
    expect(alpha.accountId).toMatch(/^\d{12}$/);
    expect(alpha.canonicalId).toMatch(/^[0-9a-f]{64}$/);
    expect(alpha.accountId).not.toBe(beta.accountId);
    expect(alpha.secretAccessKey.length).toBe(40);
    const listed = await cliJson<{ accountId: string; displayName: string; canonicalId: string }[]>(
      server.root,
      "account",
      "list",
    );
    expect(listed.map((a) => [a.displayName, a.accountId])).toEqual([
      ["root", "000000000000"],
      ["alpha", alpha.accountId],
      ["beta", beta.accountId],
    ]);
    expect(JSON.stringify(listed)).not.toContain(alpha.secretAccessKey);
    const dup = await s3dirCli(server.root, "account", "create", "alpha");
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain("already exists");
    const text = await s3dirCli(server.root, "account", "list");
    expect(text.stdout).toContain(`${beta.accountId}\tbeta`);
  });

  test("STS GetCallerIdentity names the account of the credential", async () => {
    const who = await new STSClient({
      endpoint: server.endpoint,
      region: server.region,
      credentials: credsOf(alpha),
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(alpha.accountId);
    expect(who.Arn).toBe(`arn:aws:iam::${alpha.accountId}:root`);
  });

  test("ListBuckets shows each account its own buckets, with itself as Owner (SDK and CLI)", async () => {
    const a = await s3Client(server, credsOf(alpha)).send(new ListBucketsCommand({}));
    expect((a.Buckets ?? []).map((b) => b.Name)).toEqual([alphaBucket]);
    expect(a.Owner).toEqual({ ID: alpha.canonicalId, DisplayName: "alpha" });
    const b = expectOk(await aws(server, ["s3api", "list-buckets"], { credentials: credsOf(beta) })) as {
      Buckets: { Name: string }[];
      Owner: { ID: string; DisplayName: string };
    };
    expect(b.Buckets.map((x) => x.Name)).toEqual([betaBucket]);
    expect(b.Owner).toEqual({ ID: beta.canonicalId, DisplayName: "beta" });
    const first = await firstRoot.send(new ListBucketsCommand({}));
    const names = (first.Buckets ?? []).map((x) => x.Name);
    expect(names).not.toContain(alphaBucket);
    expect(names).not.toContain(betaBucket);
    expect(first.Owner?.ID).toBe(createHash("sha256").update("s3dir:root").digest("hex"));
  });

  test("the bucket's owner is recorded in its server state", async () => {
    const text = await Bun.file(
      join(server.root, ".s3dir", "buckets", alphaBucket, "settings", "owner"),
    ).text();
    expect(text.trim()).toBe(alpha.accountId);
  });

  test("ListObjects fetch-owner shows the bucket's account", async () => {
    const listed = await s3Client(server, credsOf(alpha)).send(
      new ListObjectsV2Command({ Bucket: alphaBucket, FetchOwner: true }),
    );
    expect(listed.Contents?.[0]?.Owner).toEqual({ ID: alpha.canonicalId, DisplayName: "alpha" });
  });

  test("CreateBucket: another account's name → 409 BucketAlreadyExists; the owner's own → 200 (us-east-1)", async () => {
    const taken = await sdkFailure(
      s3Client(server, credsOf(beta)).send(new CreateBucketCommand({ Bucket: alphaBucket })),
    );
    expect(taken).toMatchObject({ name: "BucketAlreadyExists", status: 409 });
    const cli = await aws(server, ["s3api", "create-bucket", "--bucket", alphaBucket], {
      credentials: credsOf(beta),
    });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain("BucketAlreadyExists");
    const byFirst = await sdkFailure(firstRoot.send(new CreateBucketCommand({ Bucket: alphaBucket })));
    expect(byFirst.name).toBe("BucketAlreadyExists");
    await s3Client(server, credsOf(alpha)).send(new CreateBucketCommand({ Bucket: alphaBucket }));
    const kept = await s3Client(server, credsOf(alpha)).send(
      new GetObjectCommand({ Bucket: alphaBucket, Key: "report.txt" }),
    );
    expect(await kept.Body!.transformToString()).toBe("alpha's report");
  });

  test("an account's root cannot touch another account's bucket (nor can the first account's)", async () => {
    for (const client of [s3Client(server, credsOf(beta)), firstRoot]) {
      expect(
        await outcome(client.send(new GetObjectCommand({ Bucket: alphaBucket, Key: "report.txt" }))),
      ).toBe("AccessDenied");
      expect(
        await outcome(client.send(new PutObjectCommand({ Bucket: alphaBucket, Key: "x", Body: "x" }))),
      ).toBe("AccessDenied");
      expect(await outcome(client.send(new ListObjectsV2Command({ Bucket: alphaBucket })))).toBe(
        "AccessDenied",
      );
      expect(await outcome(client.send(new DeleteBucketCommand({ Bucket: alphaBucket })))).toBe(
        "AccessDenied",
      );
      expect(
        await outcome(client.send(new PutBucketPolicyCommand({ Bucket: alphaBucket, Policy: "{}" }))),
      ).toBe("AccessDenied");
    }
  });

  test("IAM users belong to one account: the same name in two accounts, ARNs with each account's id", async () => {
    await iam(credsOf(alpha)).send(new CreateUserCommand({ UserName: "carol" }));
    await iam(credsOf(beta)).send(new CreateUserCommand({ UserName: "carol" }));
    const a = await iam(credsOf(alpha)).send(new GetUserCommand({ UserName: "carol" }));
    const b = await iam(credsOf(beta)).send(new GetUserCommand({ UserName: "carol" }));
    expect(a.User?.Arn).toBe(`arn:aws:iam::${alpha.accountId}:user/carol`);
    expect(b.User?.Arn).toBe(`arn:aws:iam::${beta.accountId}:user/carol`);
    const firstUsers = await iam(credsOf(server)).send(new ListUsersCommand({}));
    expect((firstUsers.Users ?? []).map((u) => u.UserName)).not.toContain("carol");
    const again = await s3dirCli(server.root, "user", "add", "carol", "--account", "alpha");
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("already exists");
    const viaCli = await cliJson<{ name: string }>(server.root, "user", "add", "dave", "--account", "beta");
    expect(viaCli.name).toBe("dave");
    const listed = await iam(credsOf(beta)).send(new ListUsersCommand({}));
    expect((listed.Users ?? []).map((u) => u.UserName)).toEqual(["carol", "dave"]);
    const unknown = await s3dirCli(server.root, "user", "add", "erin", "--account", "nobody");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("no such account: nobody");
  });

  describe("cross-account access through the bucket policy", () => {
    const readAlpha = [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }];
    let reader: Credentials;
    let other: Credentials;
    let bare: Credentials;

    beforeAll(async () => {
      reader = await userOf(beta, "reader", readAlpha);
      other = await userOf(beta, "other", readAlpha);
      bare = await userOf(beta, "bare");
    });

    const setPolicy = (principal: unknown) =>
      s3Client(server, credsOf(alpha)).send(
        new PutBucketPolicyCommand({
          Bucket: alphaBucket,
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: principal },
                Action: "s3:GetObject",
                Resource: `arn:aws:s3:::${alphaBucket}/*`,
              },
            ],
          }),
        }),
      );
    const read = (credentials: Credentials) =>
      outcome(
        s3Client(server, credentials).send(new GetObjectCommand({ Bucket: alphaBucket, Key: "report.txt" })),
      );

    test("without a grant, another account's user is refused even with its own policy allowing it", async () => {
      expect(await read(reader)).toBe("AccessDenied");
    });

    test("a grant to the account root lets its users whose own policies allow it", async () => {
      await setPolicy(`arn:aws:iam::${beta.accountId}:root`);
      expect(await read(reader)).toBe("allowed");
      expect(await read(other)).toBe("allowed");
      // Its own identity policy must allow it too.
      expect(await read(bare)).toBe("AccessDenied");
      // Only what was granted.
      expect(
        await outcome(
          s3Client(server, reader).send(new PutObjectCommand({ Bucket: alphaBucket, Key: "x", Body: "x" })),
        ),
      ).toBe("AccessDenied");
      // The other account's root: the bucket policy decides.
      expect(await read(credsOf(beta))).toBe("allowed");
    });

    test("a grant to the bare account id works the same", async () => {
      await setPolicy(beta.accountId);
      expect(await read(reader)).toBe("allowed");
    });

    test("a grant to a user ARN lets that user only (AWS CLI)", async () => {
      await setPolicy(`arn:aws:iam::${beta.accountId}:user/reader`);
      const file = join(server.root, "out.txt");
      const cp = await aws(server, ["s3", "cp", `s3://${alphaBucket}/report.txt`, file], {
        credentials: reader,
      });
      expectOk(cp);
      expect(await Bun.file(file).text()).toBe("alpha's report");
      expect(await read(other)).toBe("AccessDenied");
      expect(await read(credsOf(beta))).toBe("AccessDenied");
    });

    test("the first account's root, not named by the grant, is refused", async () => {
      expect(await read(credsOf(server))).toBe("AccessDenied");
    });

    test("aws:PrincipalAccount and s3:ResourceAccount conditions", async () => {
      await s3Client(server, credsOf(alpha)).send(
        new PutBucketPolicyCommand({
          Bucket: alphaBucket,
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: "*",
                Action: "s3:GetObject",
                Resource: `arn:aws:s3:::${alphaBucket}/*`,
                Condition: { StringEquals: { "aws:PrincipalAccount": beta.accountId } },
              },
            ],
          }),
        }),
      );
      expect(await read(reader)).toBe("allowed");
      expect(await read(credsOf(server))).toBe("AccessDenied");
      const inAlpha = await userOf(beta, "in-alpha", [
        {
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "*",
          Condition: { StringEquals: { "s3:ResourceAccount": alpha.accountId } },
        },
      ]);
      const elsewhere = await userOf(beta, "elsewhere", [
        {
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "*",
          Condition: { StringEquals: { "s3:ResourceAccount": beta.accountId } },
        },
      ]);
      expect(await read(inAlpha)).toBe("allowed");
      expect(await read(elsewhere)).toBe("AccessDenied");
    });

    test("an STS session carries its account: ARN, and cross-account grants to that account", async () => {
      await setPolicy(`arn:aws:iam::${beta.accountId}:root`);
      const sts = new STSClient({ endpoint: server.endpoint, region: server.region, credentials: reader });
      const out = await sts.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${beta.accountId}:role/r`, RoleSessionName: "s1" }),
      );
      expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${beta.accountId}:assumed-role/r/s1`);
      const session: Credentials = {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      };
      const who = await new STSClient({
        endpoint: server.endpoint,
        region: server.region,
        credentials: session,
      }).send(new GetCallerIdentityCommand({}));
      expect(who.Account).toBe(beta.accountId);
      expect(await read(session)).toBe("allowed");
      // Still only what its user may do.
      expect(await outcome(s3Client(server, session).send(new ListBucketsCommand({})))).toBe("AccessDenied");
    });
  });

  test("account remove is refused while the account owns buckets or has users, then works", async () => {
    const gamma = await cliJson<Account>(server.root, "account", "create", "gamma");
    const bucket = uniqueBucket("gamma");
    const g = s3Client(server, credsOf(gamma));
    await g.send(new CreateBucketCommand({ Bucket: bucket }));
    await iam(credsOf(gamma)).send(new CreateUserCommand({ UserName: "gus" }));
    const owns = await s3dirCli(server.root, "account", "remove", "gamma");
    expect(owns.code).not.toBe(0);
    expect(owns.stderr).toContain(`account gamma still owns buckets: ${bucket}`);
    await g.send(new DeleteBucketCommand({ Bucket: bucket }));
    const users = await s3dirCli(server.root, "account", "remove", "gamma");
    expect(users.code).not.toBe(0);
    expect(users.stderr).toContain("account gamma still has users: gus");
    expect((await s3dirCli(server.root, "user", "remove", "gus", "--account", "gamma")).code).toBe(0);
    expect((await s3dirCli(server.root, "account", "remove", "gamma")).code).toBe(0);
    // Hosts re-read an account at most a second after they last did.
    const refused = async () => (await outcome(g.send(new ListBucketsCommand({})))) === "InvalidAccessKeyId";
    expect(await waitFor(refused)).toBe(true);
    const first = await s3dirCli(server.root, "account", "remove", "root");
    expect(first.code).not.toBe(0);
  });
});

describe("a root made before accounts existed", () => {
  let root: string;
  let host: TestServer;
  let oldKey: Credentials;
  const oldBucket = "old-bucket";

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "s3dir-upgrade-"));
    // The layout every earlier version wrote: users, keys and buckets, no account anywhere.
    await cliJson(root, "user", "add", "olduser", "--role", "admin");
    oldKey = credsOf(await cliJson<Credentials>(root, "key", "create", "olduser"));
    await cliJson(root, "bucket", "create", oldBucket);
    mkdirSync(join(root, "posix-made"));
    host = await startHost({ root });
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test("its buckets, users and keys stay the first account's, with the same ids", async () => {
    // The files of the first account keep the format earlier versions read and wrote.
    expect(await Bun.file(join(root, ".s3dir", "iam", "keys", oldKey.accessKeyId)).text()).toBe("olduser");
    expect(await Bun.file(join(root, ".s3dir", "iam", "users", "olduser.json")).exists()).toBe(true);
    const byUser = await s3Client(host, oldKey).send(new ListBucketsCommand({}));
    expect((byUser.Buckets ?? []).map((b) => b.Name)).toEqual([oldBucket, "posix-made"]);
    expect(byUser.Owner).toEqual({
      ID: createHash("sha256").update("s3dir:root").digest("hex"),
      DisplayName: "root",
    });
    await s3Client(host, oldKey).send(new PutObjectCommand({ Bucket: oldBucket, Key: "k", Body: "v" }));
    await s3Client(host).send(new DeleteObjectCommand({ Bucket: oldBucket, Key: "k" }));
    const who = await new STSClient({
      endpoint: host.endpoint,
      region: host.region,
      credentials: oldKey,
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:iam::000000000000:user/olduser");
    // A new account sees none of them and cannot take their names.
    const delta = await cliJson<Account>(root, "account", "create", "delta");
    const d = s3Client(host, credsOf(delta));
    expect((await d.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    expect((await sdkFailure(d.send(new CreateBucketCommand({ Bucket: "posix-made" })))).name).toBe(
      "BucketAlreadyExists",
    );
  });
});

describe("in a region other than us-east-1", () => {
  let host: TestServer;
  beforeAll(async () => {
    host = await startHost({ region: "eu-west-1" });
  });
  afterAll(() => host?.stop());

  test("creating one's own bucket again → 409 BucketAlreadyOwnedByYou, as AWS answers there", async () => {
    const name = uniqueBucket("again");
    const s3 = s3Client(host);
    await s3.send(
      new CreateBucketCommand({
        Bucket: name,
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    const again = await sdkFailure(
      s3.send(
        new CreateBucketCommand({
          Bucket: name,
          CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
        }),
      ),
    );
    expect(again).toMatchObject({ name: "BucketAlreadyOwnedByYou", status: 409 });
  });
});
