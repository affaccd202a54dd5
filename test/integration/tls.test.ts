/** HTTPS: real clients with a CA made at test time, aws:SecureTransport, and certificate reloads. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  aws,
  bytes,
  type Credentials,
  expectOk,
  freePort,
  md5Hex,
  py,
  s3dirCli,
  startServer,
  type TestServer,
  testCredentials,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

let dir: string;
let server: TestServer;
let httpPort: number;
let ca: string;
const bucket = "tls-data";
const cert = () => join(dir, "server.pem");
const key = () => join(dir, "server.key");

function openssl(...args: string[]): void {
  const result = Bun.spawnSync(["openssl", ...args], { cwd: dir, stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`openssl ${args.join(" ")}: ${result.stderr.toString()}`);
}

/** A leaf certificate for 127.0.0.1 and localhost, signed by the test CA. */
function issueLeaf(name: string): void {
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  );
  writeFileSync(join(dir, `${name}.ext`), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  );
}

function install(name: string): void {
  copyFileSync(join(dir, `${name}.pem`), cert());
  copyFileSync(join(dir, `${name}.key`), key());
}

/** The CN of the certificate the server presents to a new connection. */
async function presentedName(): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: server.port, ca, servername: "localhost" }, () => {
      const name = socket.getPeerCertificate().subject?.CN ?? "";
      socket.end();
      resolve(String(name));
    });
    socket.on("error", reject);
  });
}

function httpsClient(credentials: Credentials = testCredentials): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials,
    forcePathStyle: true,
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca, keepAlive: true }) }),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "s3dir-tls-"));
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=s3dir test CA",
  );
  ca = readFileSync(join(dir, "ca.pem"), "utf8");
  issueLeaf("first");
  issueLeaf("second");
  install("first");
  httpPort = await freePort();
  server = await startServer({
    https: true,
    args: ["--tls-cert", cert(), "--tls-key", key(), "--http-port", String(httpPort)],
  });
  await httpsClient().send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("HTTPS with real clients", () => {
  test("the JS SDK verifies the certificate against the CA and round-trips an object", async () => {
    const client = httpsClient();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "hello.txt", Body: "over tls" }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
    expect(await got.Body!.transformToString()).toBe("over tls");
    // Without the CA the certificate is refused.
    const untrusting = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      credentials: testCredentials,
      forcePathStyle: true,
    });
    await expect(untrusting.send(new ListObjectsV2Command({ Bucket: bucket }))).rejects.toThrow();
  });

  test("the AWS CLI with --ca-bundle and boto3 with verify=", async () => {
    const caFile = join(dir, "ca.pem");
    const listed = expectOk(
      await aws(server, ["s3api", "list-objects-v2", "--bucket", bucket, "--ca-bundle", caFile]),
    ) as { Contents: { Key: string }[] };
    expect(listed.Contents.map((c) => c.Key)).toContain("hello.txt");
    const body = expectOk(
      await py(
        server,
        `
        s = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"], verify=${JSON.stringify(caFile)})
        out(s.get_object(Bucket=${JSON.stringify(bucket)}, Key="hello.txt")["Body"].read().decode())
        `,
      ),
    );
    expect(body).toBe("over tls");
    const refused = await aws(server, ["s3api", "list-objects-v2", "--bucket", bucket]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/SSL|certificate/i);
  });

  test("aws:SecureTransport is true over HTTPS and false on the plain HTTP port", async () => {
    writeFileSync(
      join(dir, "tls-only.json"),
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: "*" },
          {
            Effect: "Deny",
            Action: "s3:*",
            Resource: "*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    );
    for (const args of [
      ["user", "add", "tls-reader", "--role", "s3"],
      ["policy", "add", "tls-only", join(dir, "tls-only.json")],
      ["policy", "attach", "tls-only", "tls-reader"],
    ]) {
      expect((await s3dirCli(server.root, ...args)).code).toBe(0);
    }
    const created = await s3dirCli(server.root, "key", "create", "tls-reader", "--json");
    const reader = JSON.parse(created.stdout) as Credentials;
    const secure = await httpsClient(reader).send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
    expect(await secure.Body!.transformToString()).toBe("over tls");
    const plain = new S3Client({
      endpoint: `http://127.0.0.1:${httpPort}`,
      region: server.region,
      credentials: reader,
      forcePathStyle: true,
    });
    await expect(
      plain.send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" })),
    ).rejects.toMatchObject({
      name: "AccessDenied",
    });
    // The root credential still works over plain HTTP: the port serves S3, only the policy differs.
    const rootPlain = new S3Client({
      endpoint: `http://127.0.0.1:${httpPort}`,
      region: server.region,
      credentials: testCredentials,
      forcePathStyle: true,
    });
    const viaHttp = await rootPlain.send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
    expect(await viaHttp.Body!.transformToString()).toBe("over tls");
  });
});

describe("certificate reload", () => {
  test("new files are picked up without dropping a download in flight; SIGHUP reloads too", async () => {
    const big = bytes(48 * 1024 * 1024, 7);
    const client = httpsClient();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "big.bin", Body: big }));
    expect(await presentedName()).toBe("first");

    // Start a download and read it slowly while the certificate changes underneath.
    const download = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    const reader = (download.Body as ReadableStream<Uint8Array>).getReader
      ? (download.Body as ReadableStream<Uint8Array>).getReader()
      : (download.Body!.transformToWebStream() as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    const first = await reader.read();
    if (first.value) chunks.push(first.value);

    install("second");
    expect(await waitFor(async () => (await presentedName()) === "second", 10_000, 200)).toBe(true);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(md5Hex(Buffer.concat(chunks))).toBe(md5Hex(big));
    expect(server.logs().join("\n")).toContain("TLS certificate reloaded");

    // SIGHUP with the files unchanged in content but swapped back by name.
    copyFileSync(join(dir, "first.pem"), cert());
    copyFileSync(join(dir, "first.key"), key());
    process.kill(server.pid, "SIGHUP");
    expect(await waitFor(async () => (await presentedName()) === "first", 10_000, 200)).toBe(true);
    const after = await httpsClient().send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
    expect(await after.Body!.transformToString()).toBe("over tls");
  });

  test("a broken certificate leaves the previous one serving and says why", async () => {
    const before = await presentedName();
    writeFileSync(cert(), "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
    expect(await waitFor(() => server.logs().some((l) => l.includes("TLS reload failed")), 10_000, 200)).toBe(
      true,
    );
    expect(await presentedName()).toBe(before);
    const still = await httpsClient().send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
    expect(await still.Body!.transformToString()).toBe("over tls");
    install(before);
  });
});

describe("supervision", () => {
  test("killing the supervisor with SIGKILL takes its worker down too", async () => {
    const other = await startServer({ https: true, args: ["--tls-cert", cert(), "--tls-key", key()] });
    process.kill(other.pid, "SIGKILL");
    const closed = await waitFor(
      async () => {
        try {
          await fetch(`${other.endpoint}/health/live`, { tls: { rejectUnauthorized: false } } as RequestInit);
          return false;
        } catch {
          return true;
        }
      },
      5000,
      100,
    );
    expect(closed).toBe(true);
    await other.stop();
  });

  test("TLS options are checked before anything starts", async () => {
    for (const args of [
      ["--tls-cert", "/nonexistent.pem"],
      ["--http-port", "9999"],
    ]) {
      const proc = Bun.spawn(
        [process.execPath, "src/main.ts", "serve", "--root", dir, "--port", "0", ...args],
        {
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      expect(await proc.exited).not.toBe(0);
      expect(await new Response(proc.stderr).text()).toMatch(/--tls-cert and --tls-key|--http-port/);
    }
  });
});
