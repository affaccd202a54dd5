/**
 * Several OpenID Connect providers configured at once, each a real provider in the test, and
 * tokens whose times are wrong: each provider's tokens work, a removed provider's stop.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { aws, expectOk, py, s3Client, s3dirJson, sdkFailure, useHost, waitFor } from "../helpers/index.ts";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.ts";

setDefaultTimeout(60_000);

const { server, s3: admin } = useHost({ bucket: false });
const bucket = "oidc-multi";
let first: TestOidcProvider;
let second: TestOidcProvider;

const cli = (...args: string[]): Promise<string> => s3dirJson(server.root, ...args);

async function assume(token: string) {
  const sts = new STSClient({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: "unused", secretAccessKey: "unused" },
  });
  return await sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: "arn:aws:iam::000000000000:role/any",
      RoleSessionName: "multi",
      WebIdentityToken: token,
    }),
  );
}

/** A token the provider issues with its clock moved by offsetMs. */
async function tokenAt(idp: TestOidcProvider, login: string, offsetMs: number): Promise<string> {
  const realNow = Date.now;
  Date.now = () => realNow() + offsetMs;
  try {
    return await idp.idToken(login);
  } finally {
    Date.now = realNow;
  }
}

beforeAll(async () => {
  first = await startOidcProvider();
  second = await startOidcProvider();
  first.accounts.set("ann", { roles: ["multi-read"] });
  second.accounts.set("ben", { groups: ["multi-read"] });
  const file = join(server.root, "multi-read.json");
  await writeFile(
    file,
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }],
    }),
  );
  await cli("policy", "add", "multi-read", file);
  await cli("oidc", "add", "--issuer", first.issuer, "--client-id", "s3dir", "--name", "first");
  await cli(
    "oidc",
    "add",
    "--issuer",
    second.issuer,
    "--client-id",
    "s3dir",
    "--name",
    "second",
    "--claim-name",
    "groups",
  );
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "a.txt", Body: "multi" }));
});

afterAll(async () => {
  await first?.close();
  await second?.close();
});

describe("several OIDC providers", () => {
  test("each provider's tokens become sessions, mapped by its own claim; removing one stops only its tokens", async () => {
    const ann = await assume(await first.idToken("ann"));
    expect(ann.Provider).toBe(first.issuer);
    const ben = await assume(await second.idToken("ben"));
    expect(ben.Provider).toBe(second.issuer);
    for (const out of [ann, ben]) {
      const c = out.Credentials!;
      const got = await s3Client(server, {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      }).send(new GetObjectCommand({ Bucket: bucket, Key: "a.txt" }));
      expect(await got.Body!.transformToString()).toBe("multi");
    }
    // boto3, unsigned, with the second provider's token.
    const viaBoto = await py(
      server,
      `
      sts = boto3.client("sts", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"])
      out(sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::000000000000:role/any",
          RoleSessionName="boto", WebIdentityToken=os.environ["TOKEN"])["SubjectFromWebIdentityToken"])
      `,
      { env: { TOKEN: await second.idToken("ben") } },
    );
    expect(viaBoto.stdout).toBe('"ben"');

    await cli("oidc", "remove", "second");
    // Hosts re-read the providers at most once a second.
    const token = await second.idToken("ben");
    let refused: { name: string; status: number | undefined } = { name: "", status: undefined };
    await waitFor(
      async () => {
        refused = await sdkFailure(assume(token)).catch(() => ({ name: "issued", status: 200 }));
        return refused.name !== "issued";
      },
      3000,
      100,
    );
    expect(refused).toMatchObject({ name: "InvalidIdentityToken", status: 400 });
    expect((await assume(await first.idToken("ann"))).SubjectFromWebIdentityToken).toBe("ann");
  });

  test("DurationSeconds is bounded by the trusting role's MaxSessionDuration (AWS CLI create-role)", async () => {
    const host = first.issuer.replace(/^https?:\/\//, "");
    const trust = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: host },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${host}:aud`]: "s3dir" } },
        },
      ],
    };
    expectOk(
      await aws(server, [
        "iam",
        "create-role",
        "--role-name",
        "web-hour",
        "--assume-role-policy-document",
        JSON.stringify(trust),
      ]),
    );
    const asRole = async (DurationSeconds: number) =>
      await new STSClient({
        endpoint: server.endpoint,
        region: server.region,
        credentials: { accessKeyId: "unused", secretAccessKey: "unused" },
      }).send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: "arn:aws:iam::000000000000:role/web-hour",
          RoleSessionName: "hour",
          WebIdentityToken: await first.idToken("ann"),
          DurationSeconds,
        }),
      );
    // The server allows 12 h; the role (default MaxSessionDuration) one hour.
    expect(await sdkFailure(asRole(7200))).toMatchObject({ name: "ValidationError", status: 400 });
    const out = await asRole(3600);
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
  });

  test("a token issued in the future (iat past the allowed clock skew) is InvalidIdentityToken", async () => {
    const early = await tokenAt(first, "ann", 3_600_000);
    expect(await sdkFailure(assume(early))).toMatchObject({ name: "InvalidIdentityToken", status: 400 });
    // Within the skew it is accepted.
    const slightlyAhead = await tokenAt(first, "ann", 20_000);
    expect((await assume(slightlyAhead)).SubjectFromWebIdentityToken).toBe("ann");
  });
});
