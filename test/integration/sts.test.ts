/** STS AssumeRole on the S3 endpoint: temporary credentials with every client, and their limits. */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { connect } from "node:net";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { AwsV4Signer } from "aws4fetch";
import {
  aws,
  type Credentials,
  errorCodeOf,
  expectOk,
  py,
  s3Client,
  s3dirJson,
  sdkFailure,
  startHost,
  type TestServer,
  useHost,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3: admin } = useHost({ bucket: false, args: ["--sts-max-duration", "2h"] });
const bucket = "sts-data";
const roleArn = "arn:aws:iam::000000000000:role/analytics";

const cli = (...args: string[]): Promise<string> => s3dirJson(server.root, ...args);

async function userWithKey(name: string, ...policies: string[]): Promise<Credentials> {
  await cli("user", "add", name, "--role", "s3");
  for (const p of policies) await cli("policy", "attach", p, name);
  return JSON.parse(await cli("key", "create", name)) as Credentials;
}

function sts(credentials: Credentials): STSClient {
  return new STSClient({ endpoint: server.endpoint, region: server.region, credentials });
}

async function assumeRole(parent: Credentials, extra: { Policy?: string; DurationSeconds?: number } = {}) {
  const out = await sts(parent).send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "job-1", ...extra }),
  );
  const c = out.Credentials!;
  return {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
    expiration: c.Expiration!,
    arn: out.AssumedRoleUser?.Arn,
  };
}

async function canRead(creds: Credentials, key = "public/a.txt"): Promise<string> {
  try {
    const out = await s3Client(server, creds).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString();
  } catch (e) {
    return (e as { name: string }).name;
  }
}

async function canWrite(creds: Credentials, key = "public/new.txt"): Promise<string> {
  try {
    await s3Client(server, creds).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "w" }));
    return "ok";
  } catch (e) {
    return (e as { name: string }).name;
  }
}

const getOnlyPublic = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/public/*` }],
});

beforeAll(async () => {
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of ["public/a.txt", "private/b.txt"]) {
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
  }
});

describe("AssumeRole with the JS SDK", () => {
  test("a session inherits its parent's rights: readonly parent, readonly session", async () => {
    const parent = await userWithKey("reader", "readonly");
    const session = await assumeRole(parent);
    expect(session.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(session.arn).toBe("arn:aws:sts::000000000000:assumed-role/analytics/job-1");
    const lifetime = session.expiration.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(3500_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);
    expect(await canRead(session)).toBe("body of public/a.txt");
    expect(await canWrite(session)).toBe("AccessDenied");
    const who = await sts(session).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:sts::000000000000:assumed-role/analytics/job-1");
    expect(who.Account).toBe("000000000000");
  });

  test("a session policy narrows, and can never widen, the parent's rights", async () => {
    const writer = await userWithKey("writer", "readwrite");
    const narrowed = await assumeRole(writer, { Policy: getOnlyPublic });
    expect(await canRead(narrowed, "public/a.txt")).toBe("body of public/a.txt");
    expect(await canRead(narrowed, "private/b.txt")).toBe("AccessDenied");
    expect(await canWrite(narrowed)).toBe("AccessDenied");

    const reader = await userWithKey("reader2", "readonly");
    const everything = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
    });
    const widened = await assumeRole(reader, { Policy: everything });
    expect(await canWrite(widened)).toBe("AccessDenied");
    expect(await canRead(widened)).toBe("body of public/a.txt");
  });

  test("an admin's session with a session policy is confined to it", async () => {
    const session = await assumeRole(
      { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      { Policy: getOnlyPublic },
    );
    expect(await canRead(session, "public/a.txt")).toBe("body of public/a.txt");
    expect(await canRead(session, "private/b.txt")).toBe("AccessDenied");
    const rootSession = await assumeRole({
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
    });
    expect(await canWrite(rootSession, "public/by-root-session.txt")).toBe("ok");
  });

  test("presigned URLs made with session credentials carry the session's rights", async () => {
    const parent = await userWithKey("presigner", "readonly");
    const session = await assumeRole(parent);
    const client = s3Client(server, session);
    const getUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }));
    expect(getUrl).toContain("X-Amz-Security-Token=");
    const ok = await fetch(getUrl);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("body of public/a.txt");
    const putUrl = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: "public/p.txt" }));
    expect((await fetch(putUrl, { method: "PUT", body: "x" })).status).toBe(403);
    // The URL is checked at the moment of use: once the parent key is disabled it stops working.
    await cli("key", "disable", parent.accessKeyId);
    await waitFor(async () => (await fetch(getUrl)).status === 400, 3000);
    const refused = await fetch(getUrl);
    expect(await refused.text()).toContain("<Code>InvalidToken</Code>");
  });
});

describe("AssumeRole with the AWS CLI and boto3", () => {
  test("aws sts assume-role, then the CLI uses the session", async () => {
    const parent = await userWithKey("cli-user", "readonly");
    const out = expectOk(
      await aws(
        server,
        [
          "sts",
          "assume-role",
          "--role-arn",
          roleArn,
          "--role-session-name",
          "cli-session",
          "--duration-seconds",
          "900",
        ],
        { credentials: parent },
      ),
    ) as { Credentials: Record<string, string>; AssumedRoleUser: { Arn: string } };
    expect(out.AssumedRoleUser.Arn).toBe("arn:aws:sts::000000000000:assumed-role/analytics/cli-session");
    const session = {
      accessKeyId: out.Credentials.AccessKeyId!,
      secretAccessKey: out.Credentials.SecretAccessKey!,
      sessionToken: out.Credentials.SessionToken!,
    };
    const lifetime = Date.parse(out.Credentials.Expiration!) - Date.now();
    expect(lifetime).toBeGreaterThan(800_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
    const listed = expectOk(
      await aws(server, ["s3api", "list-objects-v2", "--bucket", bucket], { credentials: session }),
    ) as { Contents: { Key: string }[] };
    expect(listed.Contents.map((c) => c.Key)).toContain("public/a.txt");
    const put = await aws(server, ["s3api", "put-object", "--bucket", bucket, "--key", "public/cli.txt"], {
      credentials: session,
    });
    expect(put.code).not.toBe(0);
    expect(put.stderr).toContain("AccessDenied");
    const who = expectOk(await aws(server, ["sts", "get-caller-identity"], { credentials: session })) as {
      Arn: string;
    };
    expect(who.Arn).toBe("arn:aws:sts::000000000000:assumed-role/analytics/cli-session");
  });

  test("boto3's sts client, with a session policy", async () => {
    const parent = await userWithKey("boto-user", "readwrite");
    const result = expectOk(
      await py(
        server,
        `
        sts = boto3.client("sts", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"])
        c = sts.assume_role(RoleArn=${JSON.stringify(roleArn)}, RoleSessionName="boto", Policy=${JSON.stringify(getOnlyPublic)})["Credentials"]
        s = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"],
                         aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
        body = s.get_object(Bucket=${JSON.stringify(bucket)}, Key="public/a.txt")["Body"].read().decode()
        try:
            s.get_object(Bucket=${JSON.stringify(bucket)}, Key="private/b.txt")
            private = "allowed"
        except botocore.exceptions.ClientError as e:
            private = e.response["Error"]["Code"]
        out({"body": body, "private": private})
        `,
        { credentials: parent },
      ),
    );
    expect(result).toEqual({ body: "body of public/a.txt", private: "AccessDenied" });
  });
});

describe("session lifetime and revocation", () => {
  test("an expired session gets ExpiredToken", async () => {
    await userWithKey("short", "readonly");
    const minted = JSON.parse(await cli("sts", "assume-role", "short", "--duration", "2s")) as Record<
      string,
      string
    >;
    expect(minted.Version).toBe(1 as unknown as string);
    const session = {
      accessKeyId: minted.AccessKeyId!,
      secretAccessKey: minted.SecretAccessKey!,
      sessionToken: minted.SessionToken!,
    };
    expect(await canRead(session)).toBe("body of public/a.txt");
    await Bun.sleep(Date.parse(minted.Expiration!) - Date.now() + 200);
    const failure = await sdkFailure(
      s3Client(server, session).send(new ListObjectsV2Command({ Bucket: bucket })),
    );
    expect(failure).toMatchObject({ name: "ExpiredToken", status: 400 });
  });

  test("deleting the parent user revokes its sessions at the next request", async () => {
    const parent = await userWithKey("leaver", "readonly");
    const session = await assumeRole(parent);
    expect(await canRead(session)).toBe("body of public/a.txt");
    await cli("key", "remove", parent.accessKeyId);
    await cli("user", "remove", "leaver");
    await waitFor(async () => (await canRead(session)) !== "body of public/a.txt", 3000);
    expect(await canRead(session)).toBe("InvalidToken");
  });

  test("rotating the token key revokes every session; new ones work", async () => {
    const parent = await userWithKey("rotated", "readonly");
    const before = await assumeRole(parent);
    expect(await canRead(before)).toBe("body of public/a.txt");
    await cli("sts", "rotate-key");
    await waitFor(async () => (await canRead(before)) === "InvalidToken", 3000);
    const after = await assumeRole(parent);
    expect(await canRead(after)).toBe("body of public/a.txt");
  });

  test("a tampered token or a token sent with another key is refused", async () => {
    const parent = await userWithKey("tamper", "readonly");
    const session = await assumeRole(parent);
    const other = await assumeRole(parent);
    const flipped =
      session.sessionToken.slice(0, -3) + (session.sessionToken.endsWith("AAA") ? "BBB" : "AAA");
    expect(await canRead({ ...session, sessionToken: flipped })).toBe("InvalidToken");
    expect(await canRead({ ...session, sessionToken: other.sessionToken })).toBe("InvalidToken");
    expect(await canRead({ ...session, sessionToken: undefined })).toBe("InvalidAccessKeyId");
  });
});

describe("AssumeRole refuses bad requests", () => {
  async function stsFailure(parent: Credentials, input: Record<string, unknown>) {
    return await sdkFailure(
      sts(parent).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "bad", ...input })),
    );
  }
  const rootCreds = () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey });

  test("DurationSeconds outside 900 … the configured maximum", async () => {
    expect(await stsFailure(rootCreds(), { DurationSeconds: 899 })).toMatchObject({
      name: "ValidationError",
      status: 400,
    });
    expect(await stsFailure(rootCreds(), { DurationSeconds: 43_201 })).toMatchObject({
      name: "ValidationError",
    });
    const overMax = await stsFailure(rootCreds(), { DurationSeconds: 7201 });
    expect(overMax.name).toBe("ValidationError");
    expect(overMax.message).toContain("MaxSessionDuration");
    const atMax = await assumeRole(rootCreds(), { DurationSeconds: 7200 });
    expect(atMax.expiration.getTime() - Date.now()).toBeGreaterThan(7100_000);
  });

  test("a malformed session policy is refused with the reason", async () => {
    const failure = await stsFailure(rootCreds(), {
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:Fly", Resource: "*" }],
      }),
    });
    expect(failure.name).toBe("MalformedPolicyDocument");
    expect(failure.message).toContain("s3:Fly");
  });

  test("bad session names, role ARNs and managed session policies", async () => {
    expect(await stsFailure(rootCreds(), { RoleSessionName: "x" })).toMatchObject({
      name: "ValidationError",
    });
    expect(await stsFailure(rootCreds(), { RoleSessionName: "has space" })).toMatchObject({
      name: "ValidationError",
    });
    expect(await stsFailure(rootCreds(), { RoleArn: "not-an-arn" })).toMatchObject({
      name: "ValidationError",
    });
    expect(
      await stsFailure(rootCreds(), { PolicyArns: [{ arn: "arn:aws:iam::000000000000:policy/readonly" }] }),
    ).toMatchObject({ name: "InvalidParameterValue" });
  });

  test("a session cannot assume a role; unknown keys and anonymous callers are refused", async () => {
    const session = await assumeRole(rootCreds());
    expect(await stsFailure(session, {})).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(
      await stsFailure({ accessKeyId: "S3DNOSUCHKEY00000000", secretAccessKey: "x".repeat(40) }, {}),
    ).toMatchObject({ name: "InvalidClientTokenId", status: 403 });
    expect(await stsFailure({ ...rootCreds(), secretAccessKey: "wrong".repeat(8) }, {})).toMatchObject({
      name: "SignatureDoesNotMatch",
      status: 403,
    });
    const anonymous = await fetch(`${server.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A0%3Arole%2Fx&RoleSessionName=anon",
    });
    expect(anonymous.status).toBe(403);
    const text = await anonymous.text();
    expect(text).toContain("<ErrorResponse");
    expect(text).toContain("<Code>MissingAuthenticationToken</Code>");
  });

  test("no secret or session token reaches the server's log", async () => {
    const session = await assumeRole(rootCreds());
    await canRead(session);
    const log = server.logs().join("\n");
    expect(log).toContain("sts:AssumeRole");
    expect(log).not.toContain(session.secretAccessKey);
    expect(log).not.toContain(session.sessionToken);
  });
});

describe("Query answers and their log", () => {
  const form = "application/x-www-form-urlencoded; charset=utf-8";

  async function signedPost(body: string): Promise<Response> {
    const signed = await new AwsV4Signer({
      url: `${server.endpoint}/`,
      method: "POST",
      headers: { "content-type": form, "user-agent": "query-log-test" },
      body,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      service: "sts",
      region: server.region,
    }).sign();
    return fetch(signed.url, { method: "POST", headers: signed.headers, body });
  }

  const entryOf = async (requestId: string) => {
    const find = () => server.accessLog().find((e) => e.requestId === requestId);
    await waitFor(() => find() !== undefined);
    return find();
  };

  test("x-amzn-requestid (the body's RequestId), x-amz-id-2, Content-Length, one access-log entry", async () => {
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const ok = await signedPost(body);
    const text = await ok.text();
    const requestId = ok.headers.get("x-amzn-requestid") ?? "";
    expect(requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(text).toContain(`<RequestId>${requestId}</RequestId>`);
    expect(ok.headers.get("x-amz-request-id")).toBeNull();
    expect(ok.headers.get("x-amz-id-2")).toBeTruthy();
    expect(ok.headers.get("content-type")).toBe("text/xml");
    expect(ok.headers.get("content-length")).toBe(String(new TextEncoder().encode(text).byteLength));
    expect(await entryOf(requestId)).toMatchObject({
      operation: "sts:GetCallerIdentity",
      method: "POST",
      principal: "root",
      principalKind: "root",
      bucket: "",
      key: "",
      status: 200,
      bytesIn: body.length,
      bytesOut: new TextEncoder().encode(text).byteLength,
      userAgent: "query-log-test",
    });

    const refused = await signedPost("Action=NoSuchAction&Version=2011-06-15");
    const error = await refused.text();
    const errorId = refused.headers.get("x-amzn-requestid") ?? "";
    expect(refused.status).toBe(400);
    expect(error).toContain("<Code>InvalidAction</Code>");
    expect(error).toContain(`<RequestId>${errorId}</RequestId>`);
    expect(await entryOf(errorId)).toMatchObject({
      operation: "sts:NoSuchAction",
      status: 400,
      errorCode: "InvalidAction",
      bytesOut: new TextEncoder().encode(error).byteLength,
    });
  });
});

describe("sessions across hosts", () => {
  test("a session issued by one host works on another over the same root", async () => {
    const second = await startHost({ root: server.root });
    try {
      const parent = await userWithKey("roamer", "readonly");
      const session = await assumeRole(parent);
      const client = s3Client(second, session);
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }));
      expect(await out.Body!.transformToString()).toBe("body of public/a.txt");
    } finally {
      await second.stop();
    }
  });
});

describe("Query request bodies (STS, IAM)", () => {
  const form = "application/x-www-form-urlencoded; charset=utf-8";

  /** Signed headers of a Query POST with `body`, as the SDKs send them. */
  async function signedHead(host: TestServer, body: string): Promise<Headers> {
    const signer = new AwsV4Signer({
      url: `${host.endpoint}/`,
      method: "POST",
      headers: { "content-type": form },
      body,
      accessKeyId: host.accessKeyId,
      secretAccessKey: host.secretAccessKey,
      service: "sts",
      region: host.region,
    });
    return (await signer.sign()).headers;
  }

  /**
   * Sends the head at once and the body in `piece`-byte writes every `everyMs` (all at once when
   * piece is 0, not at all when `sendBody` is false); resolves with the response text and how long
   * it took to come.
   */
  function post(
    host: TestServer,
    headers: Headers,
    body: string,
    options: { sendBody?: boolean; piece?: number; everyMs?: number } = {},
  ): Promise<{ text: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      let text = "";
      let timer: ReturnType<typeof setInterval> | undefined;
      const socket = connect(host.port, "127.0.0.1", () => {
        let head = `POST / HTTP/1.1\r\nhost: 127.0.0.1:${host.port}\r\ncontent-length: ${body.length}\r\n`;
        for (const [k, v] of headers) if (k !== "host" && k !== "content-length") head += `${k}: ${v}\r\n`;
        socket.write(`${head}\r\n`);
        if (options.sendBody === false) return;
        if (!options.piece) return void socket.write(body);
        let sent = 0;
        timer = setInterval(() => {
          if (sent >= body.length) return clearInterval(timer);
          socket.write(body.slice(sent, sent + options.piece!));
          sent += options.piece!;
        }, options.everyMs ?? 100);
      });
      const done = () => {
        clearInterval(timer);
        socket.destroy();
        resolve({ text, ms: Date.now() - started });
      };
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
        if (text.includes("</ErrorResponse>") || text.includes("Response>\n") || /Result>/.test(text)) done();
      });
      socket.on("close", done);
      socket.on("error", (e) => (text ? done() : reject(e)));
      setTimeout(() => {
        clearInterval(timer);
        socket.destroy();
        reject(new Error(`no answer after 20 s; got ${JSON.stringify(text.slice(0, 200))}`));
      }, 20_000);
    });
  }

  const callerIdentity = "Action=GetCallerIdentity&Version=2011-06-15";

  test("without an Authorization header: 403 MissingAuthenticationToken before any of the body is read", async () => {
    const body = `${callerIdentity}&Pad=${"x".repeat(100_000)}`;
    const answer = await post(server, new Headers({ "content-type": form }), body, { sendBody: false });
    expect(answer.text).toStartWith("HTTP/1.1 403 ");
    expect(errorCodeOf(answer.text)).toBe("MissingAuthenticationToken");
    // A malformed one is refused as early, with the reason.
    const malformed = await post(
      server,
      new Headers({ "content-type": form, authorization: "AWS4-HMAC-SHA256 Credential=nonsense" }),
      body,
      { sendBody: false },
    );
    expect(malformed.text).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(errorCodeOf(malformed.text)).not.toBe("");
  });

  test("a body over 256 KiB → 413 RequestEntityTooLarge", async () => {
    const body = `${callerIdentity}&Pad=${"x".repeat(300 * 1024)}`;
    const answer = await post(server, await signedHead(server, body), body, { sendBody: false });
    expect(answer.text).toStartWith("HTTP/1.1 413 ");
    expect(errorCodeOf(answer.text)).toBe("RequestEntityTooLarge");
  });

  test("a signed body that trickles is cut off by --body-timeout; a prompt one is answered", async () => {
    const guarded = await startHost({ root: server.root, args: ["--body-timeout", "1s"] });
    try {
      const body = `${callerIdentity}&Pad=${"x".repeat(4000)}`;
      const slow = await post(guarded, await signedHead(guarded, body), body, { piece: 10, everyMs: 100 });
      expect(slow.text).toStartWith("HTTP/1.1 400 ");
      expect(errorCodeOf(slow.text)).toBe("RequestTimeout");
      expect(slow.ms).toBeLessThan(10_000);
      const prompt = await post(guarded, await signedHead(guarded, callerIdentity), callerIdentity);
      expect(prompt.text).toStartWith("HTTP/1.1 200 ");
      expect(prompt.text).toContain("<GetCallerIdentityResult>");
    } finally {
      await guarded.stop();
    }
  });
});
