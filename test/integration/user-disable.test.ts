/**
 * `s3dir user disable|enable`: a disabled user's keys, service accounts and live STS sessions are
 * refused on every host over the root, as MinIO refuses them; enabling gives them back.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import {
  aws,
  type Credentials,
  py,
  s3dirCli,
  s3dirJson,
  startHost,
  type TestServer,
  useHost,
  userWithPolicy,
} from "../helpers/index.ts";
import { becomes, s3Outcome } from "../helpers/outcome.ts";

setDefaultTimeout(60_000);

const { server, s3: admin, bucket } = useHost({ bucket: "disable" });
let other: TestServer;
const policyDir = mkdtempSync(join(tmpdir(), "s3dir-disable-"));

beforeAll(async () => {
  other = await startHost({ root: server.root });
  await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "a.txt", Body: "a" }));
});

afterAll(async () => {
  await other?.stop();
  rmSync(policyDir, { recursive: true, force: true });
});

const cli = async (...args: string[]): Promise<Record<string, unknown>> =>
  JSON.parse(await s3dirJson(server.root, ...args));

const get = (s3: S3Client) => s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a.txt" }));

async function sessionOf(credentials: Credentials): Promise<Credentials> {
  const sts = new STSClient({ endpoint: server.endpoint, region: server.region, credentials });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/any", RoleSessionName: "before" }),
  );
  return {
    accessKeyId: c!.AccessKeyId!,
    secretAccessKey: c!.SecretAccessKey!,
    sessionToken: c!.SessionToken!,
  };
}

describe("s3dir user disable|enable", () => {
  test("refuses the user's keys, service accounts and sessions on every host, until enabled", async () => {
    const key = await userWithPolicy(server.root, policyDir, "dora", [
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${bucket}/*` },
    ]);
    const serviceAccount = (await cli("service-account", "add", "dora")) as unknown as Credentials;
    expect(await becomes(server, "ok", key, get)).toBe("ok");
    const session = await sessionOf(key);
    const everyone = { key, serviceAccount, session };
    for (const credentials of Object.values(everyone)) {
      expect(await becomes(server, "ok", credentials, get)).toBe("ok");
      expect(await becomes(other, "ok", credentials, get)).toBe("ok");
    }

    expect(await cli("user", "disable", "dora")).toMatchObject({ name: "dora", status: "disabled" });
    for (const host of [server, other])
      for (const credentials of Object.values(everyone))
        expect(await becomes(host, "InvalidAccessKeyId", credentials, get)).toBe("InvalidAccessKeyId");
    // What the clients show: MinIO's words for a disabled account.
    const viaCli = await aws(
      server,
      ["s3api", "get-object", "--bucket", bucket, "--key", "a.txt", "/dev/null"],
      {
        credentials: session,
      },
    );
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.stderr).toContain("InvalidAccessKeyId");
    expect(viaCli.stderr).toContain("Your account is disabled");
    const viaBoto = await py(
      server,
      `
      try:
          s3.get_object(Bucket="${bucket}", Key="a.txt")
          print("read")
      except botocore.exceptions.ClientError as e:
          print(e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
      `,
      { credentials: serviceAccount },
    );
    expect(viaBoto.stdout.trim()).toBe("InvalidAccessKeyId 403");
    // No new session either (STS names an unknown or refused key InvalidClientTokenId).
    const refused = await sessionOf(key).then(
      () => "issued",
      (e: { name: string }) => e.name,
    );
    expect(refused).toBe("InvalidClientTokenId");
    // The keys keep their own status, so enabling gives back exactly what was active.
    const shown = await cli("user", "show", "dora");
    expect(shown.status).toBe("disabled");
    expect(shown.accessKeys).toContainEqual(
      expect.objectContaining({ accessKeyId: key.accessKeyId, status: "Active" }),
    );

    expect(await cli("user", "enable", "dora")).toMatchObject({ status: "enabled" });
    for (const host of [server, other])
      for (const credentials of Object.values(everyone))
        expect(await becomes(host, "ok", credentials, get)).toBe("ok");
    expect(await s3Outcome(server, session, get)).toBe("ok");
  });

  test("root cannot be disabled; an unknown user is NoSuchEntity", async () => {
    const root = await s3dirCli(server.root, "user", "disable", "root");
    expect(root.code).not.toBe(0);
    expect(root.stderr).toContain("root");
    const unknown = await s3dirCli(server.root, "user", "enable", "nobody-here");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("no such user");
    const listed = JSON.parse(await s3dirJson(server.root, "user", "list")) as {
      name: string;
      status: string;
    }[];
    expect(listed.find((u) => u.name === "root")?.status).toBe("enabled");
  });
});
