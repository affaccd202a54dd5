/** `s3dir presign`: URLs made from the shared root carry exactly the signing key's rights. */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { s3dirJson } from "../helpers/cli.ts";
import { type Credentials, s3Client, s3dirCli, s3dirCliWithEnv, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3: admin } = useHost({ bucket: false });
const bucket = "presign-cli";

const cli = (...args: string[]): Promise<string> => s3dirJson(server.root, ...args);

/** The server's root credential, as an operator would export it for the CLI. */
function rootEnv(): Record<string, string> {
  return { S3DIR_ROOT_ACCESS_KEY: server.accessKeyId, S3DIR_ROOT_SECRET_KEY: server.secretAccessKey };
}

async function presign(...args: string[]): Promise<string> {
  const result = await s3dirCliWithEnv(
    server.root,
    rootEnv(),
    "presign",
    ...args,
    "--endpoint",
    server.endpoint,
    "--json",
  );
  if (result.code !== 0) throw new Error(`s3dir presign ${args.join(" ")}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { url: string }).url;
}

async function userWithKey(name: string, policy: string): Promise<Credentials> {
  await cli("user", "add", name, "--role", "s3");
  await cli("policy", "attach", policy, name);
  return JSON.parse(await cli("key", "create", name)) as Credentials;
}

beforeAll(async () => {
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/a file+.txt", Body: "shared" }));
});

describe("s3dir presign", () => {
  test("a GET link signed with the root credential works with plain fetch, keys with spaces and +", async () => {
    const url = await presign("GET", `${bucket}/dir/a file+.txt`, "--expires", "10m");
    expect(url).toContain("X-Amz-Expires=600");
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("shared");
  });

  test("a PUT link uploads; one signed by a readonly user's key is refused", async () => {
    const writer = await userWithKey("link-writer", "readwrite");
    const reader = await userWithKey("link-reader", "readonly");
    const put = await presign("PUT", `${bucket}/up/by-link.txt`, "--access-key", writer.accessKeyId);
    expect((await fetch(put, { method: "PUT", body: "uploaded" })).status).toBe(200);
    const got = await s3Client(server).send(new GetObjectCommand({ Bucket: bucket, Key: "up/by-link.txt" }));
    expect(await got.Body!.transformToString()).toBe("uploaded");

    const refused = await presign("PUT", `${bucket}/up/by-reader.txt`, "--access-key", reader.accessKeyId);
    const res = await fetch(refused, { method: "PUT", body: "nope" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>AccessDenied</Code>");
    const readLink = await presign("GET", `${bucket}/dir/a file+.txt`, "--access-key", reader.accessKeyId);
    expect((await fetch(readLink)).status).toBe(200);
  });

  test("a link stops working when it expires or its key is disabled", async () => {
    const user = await userWithKey("link-expiry", "readonly");
    const short = await presign("GET", `${bucket}/dir/a file+.txt`, "--expires", "1s");
    const long = await presign("GET", `${bucket}/dir/a file+.txt`, "--access-key", user.accessKeyId);
    expect((await fetch(long)).status).toBe(200);
    await Bun.sleep(2100);
    const expired = await fetch(short);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain("Request has expired");
    await cli("key", "disable", user.accessKeyId);
    await Bun.sleep(2100);
    expect((await fetch(long)).status).toBe(403);
    const again = await s3dirCli(
      server.root,
      "presign",
      "GET",
      `${bucket}/x`,
      "--access-key",
      user.accessKeyId,
    );
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("disabled");
  });

  test("without the root credential at hand, it says so instead of inventing one", async () => {
    const result = await s3dirCli(server.root, "presign", "GET", `${bucket}/k`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("S3DIR_ROOT_ACCESS_KEY");
  });

  test("bad arguments fail with a usage message", async () => {
    for (const args of [
      ["presign", "POST", `${bucket}/k`],
      ["presign", "GET", bucket],
      ["presign", "GET", `${bucket}/k`, "--expires", "8d"],
    ]) {
      const result = await s3dirCli(server.root, ...args);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/usage|--expires/);
    }
  });
});
