/** AssumeRoleWithLDAPIdentity against a real OpenLDAP server: logins, group and attribute policies, refusals. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { requestIdOf, startAuditReceiver } from "../helpers/audit-receiver.ts";
import {
  aws,
  type Credentials,
  errorCodeOf,
  expectOk,
  py,
  s3Client,
  s3dirCli,
  useHost,
  xmlValue,
} from "../helpers/index.ts";
import {
  ldapAdminDn,
  ldapAdminPassword,
  ldapSuffix,
  type Slapd,
  slapdMissing,
  startSlapd,
} from "../helpers/slapd.ts";

setDefaultTimeout(60_000);

const missing = slapdMissing();
if (missing) console.warn(`ldap.test.ts skipped: ${missing}`);

const { server, s3: admin } = useHost({ bucket: false });
const readable = "ldap-readable";
const writable = "ldap-writable";
let slapd: Slapd | undefined;
let scratch = "";

const people = `ou=people,${ldapSuffix}`;
const groups = `ou=groups,${ldapSuffix}`;

function person(uid: string, password: string, description?: string): string {
  return [
    `dn: uid=${uid},${people}`,
    "objectClass: inetOrgPerson",
    `uid: ${uid}`,
    `cn: ${uid}`,
    `sn: ${uid}`,
    `userPassword: ${password}`,
    ...(description ? [`description: ${description}`] : []),
    "",
  ].join("\n");
}

function group(cn: string, ...members: string[]): string {
  return [
    `dn: cn=${cn},${groups}`,
    "objectClass: groupOfNames",
    `cn: ${cn}`,
    ...members.map((m) => `member: uid=${m},${people}`),
    "",
  ].join("\n");
}

async function cli(...args: string[]): Promise<string> {
  const result = await s3dirCli(server.root, ...args);
  if (result.code !== 0) throw new Error(`s3dir ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

async function policy(name: string, statement: object): Promise<void> {
  const file = join(scratch, `${name}.json`);
  await writeFile(file, JSON.stringify({ Version: "2012-10-17", Statement: [statement] }));
  await cli("policy", "add", name, file);
}

/** The raw STS call, unsigned, as MinIO's documentation shows it with curl. */
async function ldapLogin(username: string, password: string, extra: Record<string, string> = {}) {
  const body = new URLSearchParams({
    Action: "AssumeRoleWithLDAPIdentity",
    Version: "2011-06-15",
    LDAPUsername: username,
    LDAPPassword: password,
    ...extra,
  });
  const res = await fetch(`${server.endpoint}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  return { status: res.status, text: await res.text(), requestId: requestIdOf(res) };
}

async function credentialsOf(username: string, password: string): Promise<Credentials> {
  const { status, text } = await ldapLogin(username, password);
  expect(status, text).toBe(200);
  expect(text).toContain("<AssumeRoleWithLDAPIdentityResult>");
  return {
    accessKeyId: xmlValue(text, "AccessKeyId")!,
    secretAccessKey: xmlValue(text, "SecretAccessKey")!,
    sessionToken: xmlValue(text, "SessionToken")!,
  };
}

async function canRead(creds: Credentials): Promise<boolean> {
  return await s3Client(server, creds)
    .send(new GetObjectCommand({ Bucket: readable, Key: "r.txt" }))
    .then(
      () => true,
      (e) => (e?.name === "AccessDenied" ? false : Promise.reject(e)),
    );
}

async function canWrite(creds: Credentials, bucket = writable): Promise<boolean> {
  return await s3Client(server, creds)
    .send(new PutObjectCommand({ Bucket: bucket, Key: "w.txt", Body: "w" }))
    .then(
      () => true,
      (e) => (e?.name === "AccessDenied" ? false : Promise.reject(e)),
    );
}

describe.skipIf(missing !== undefined)("AssumeRoleWithLDAPIdentity", () => {
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "s3dir-ldap-test-"));
    slapd = await startSlapd();
    await slapd.add(
      [
        `dn: ${ldapSuffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n`,
        `dn: ${people}\nobjectClass: organizationalUnit\nou: people\n`,
        `dn: ${groups}\nobjectClass: organizationalUnit\nou: groups\n`,
        person("alice", "alice-pw"),
        person("bob", "bob-pw"),
        person("carol", "carol-pw", "ldap-write"),
        person("dave", "dave-pw"),
        group("readers", "alice", "bob"),
        group("writers", "bob"),
      ].join("\n"),
    );
    await admin.send(new CreateBucketCommand({ Bucket: readable }));
    await admin.send(new CreateBucketCommand({ Bucket: writable }));
    await admin.send(new PutObjectCommand({ Bucket: readable, Key: "r.txt", Body: "readable" }));
    await policy("ldap-read", {
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${readable}/*`,
    });
    await policy("ldap-write", {
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${writable}/*`,
    });
    const passwordFile = join(scratch, "ldap-bind-pw");
    await writeFile(passwordFile, `${ldapAdminPassword}\n`);
    await cli(
      "ldap",
      "add",
      "--url",
      slapd.url,
      "--bind-dn",
      ldapAdminDn,
      "--bind-password-file",
      passwordFile,
      "--user-search-base",
      people,
      "--user-filter",
      "(&(objectClass=inetOrgPerson)(uid=%s))",
      "--group-search-base",
      groups,
      "--group-filter",
      "(&(objectClass=groupOfNames)(member=%d))",
      "--policy-attribute",
      "description",
      "--group-policy-map",
      `readers=ldap-read;cn=writers,${groups}=ldap-write`,
    );
  });
  afterAll(async () => {
    await slapd?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  test("ldap show prints the configuration without the bind password", async () => {
    const shown = await cli("ldap", "show", "--json");
    expect(JSON.parse(shown).bindDn).toBe(ldapAdminDn);
    expect(shown).not.toContain(ldapAdminPassword);
    expect(shown).not.toContain("sealedBindPassword");
  });

  test("a group member gets exactly its group's policy", async () => {
    const alice = await credentialsOf("alice", "alice-pw");
    expect(await canRead(alice)).toBe(true);
    expect(await canWrite(alice)).toBe(false);
    expect(await canWrite(alice, readable)).toBe(false);
  });

  test("a user in two groups gets both policies", async () => {
    const bob = await credentialsOf("bob", "bob-pw");
    expect(await canRead(bob)).toBe(true);
    expect(await canWrite(bob)).toBe(true);
  });

  test("the policy attribute maps policies too, and boto3 uses the credentials", async () => {
    const carol = await credentialsOf("carol", "carol-pw");
    expect(await canRead(carol)).toBe(false);
    const result = await py(
      server,
      `
      s3.put_object(Bucket="${writable}", Key="carol.txt", Body=b"c")
      try:
          s3.get_object(Bucket="${readable}", Key="r.txt")
          print("read")
      except botocore.exceptions.ClientError as e:
          print(e.response["Error"]["Code"])
      `,
      { credentials: carol },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("AccessDenied");
  });

  test("the AWS CLI uses the credentials (it has no call for the login: MinIO's clients POST it unsigned)", async () => {
    const bob = await credentialsOf("bob", "bob-pw");
    const put = await aws(server, ["s3api", "put-object", "--bucket", writable, "--key", "cli.txt"], {
      credentials: bob,
    });
    expect(put.code, put.stderr).toBe(0);
    const who = expectOk(await aws(server, ["sts", "get-caller-identity"], { credentials: bob })) as {
      Arn: string;
    };
    expect(who.Arn).toBe("arn:aws:sts::000000000000:assumed-role/ldap/bob");
    const denied = await aws(server, ["s3api", "delete-object", "--bucket", writable, "--key", "cli.txt"], {
      credentials: bob,
    });
    expect(denied.stderr).toContain("AccessDenied");
  });

  test("the audit trail names the directory user by its DN, as MinIO does", async () => {
    const audit = await startAuditReceiver(server);
    try {
      const login = await ldapLogin("alice", "alice-pw");
      expect(login.status).toBe(200);
      const alice = {
        accessKeyId: xmlValue(login.text, "AccessKeyId")!,
        secretAccessKey: xmlValue(login.text, "SecretAccessKey")!,
        sessionToken: xmlValue(login.text, "SessionToken")!,
      };
      const dn = `uid=alice,${people}`;
      expect(await audit.eventOf(login.requestId)).toMatchObject({
        operation: "sts:AssumeRoleWithLDAPIdentity",
        status: 200,
        principal: { type: "session", user: "alice", federated: { provider: "ldap", subject: dn } },
        userIdentity: { type: "LDAPUser", userName: dn, identityProvider: "ldap" },
      });
      const got = await s3Client(server, alice).send(
        new GetObjectCommand({ Bucket: readable, Key: "r.txt" }),
      );
      expect(await audit.eventOf(got.$metadata.requestId!)).toMatchObject({
        operation: "GetObject",
        principal: { type: "session", user: "alice", accessKeyId: alice.accessKeyId },
        userIdentity: {
          type: "AssumedRole",
          arn: "arn:aws:sts::000000000000:assumed-role/ldap/alice",
          sessionContext: { ldapUserDn: dn },
        },
      });
      const refused = await ldapLogin("alice", "wrong");
      expect(await audit.eventOf(refused.requestId)).toMatchObject({
        status: 403,
        errorCode: "AccessDenied",
        principal: { type: "anonymous" },
      });
    } finally {
      await audit.stop();
    }
  });

  test("a bad password, an unknown user and an empty password are AccessDenied", async () => {
    for (const [user, password] of [
      ["alice", "wrong"],
      ["nobody", "x"],
      ["alice", ""],
    ] as const) {
      const { status, text } = await ldapLogin(user, password);
      expect(status).toBe(403);
      expect(errorCodeOf(text)).toBe("AccessDenied");
      expect(text).toContain("<ErrorResponse");
    }
  });

  test("a user without any mapped policy is refused", async () => {
    const { status, text } = await ldapLogin("dave", "dave-pw");
    expect(status).toBe(403);
    expect(errorCodeOf(text)).toBe("AccessDenied");
  });

  test("filter metacharacters in the user name match nothing", async () => {
    const { status } = await ldapLogin("*", "alice-pw");
    expect(status).toBe(403);
  });

  test("missing parameters and a bad DurationSeconds are refused as STS does", async () => {
    const missingName = await ldapLogin("", "x");
    expect(missingName.status).toBe(403);
    const body = new URLSearchParams({
      Action: "AssumeRoleWithLDAPIdentity",
      Version: "2011-06-15",
      LDAPUsername: "alice",
    });
    const res = await fetch(`${server.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    expect(res.status).toBe(400);
    expect(errorCodeOf(await res.text())).toBe("ValidationError");
    const short = await ldapLogin("alice", "alice-pw", { DurationSeconds: "10" });
    expect(short.status).toBe(400);
    expect(errorCodeOf(short.text)).toBe("ValidationError");
  });

  test("after ldap remove, logins fail with InvalidParameterValue", async () => {
    await cli("ldap", "remove");
    const { status, text } = await ldapLogin("alice", "alice-pw");
    expect(status).toBe(400);
    expect(errorCodeOf(text)).toBe("InvalidParameterValue");
  });
});
