/**
 * Clients for integration tests: the AWS SDK for JavaScript, the AWS CLI, boto3 and raw SigV4
 * requests (aws4fetch). All talk to a TestServer with its root credential unless told otherwise.
 */

import { Agent } from "node:http";
import type { LookupFunction } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";
import { AwsClient } from "aws4fetch";
import type { TestServer } from "./server.ts";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

function credentialsOf(
  server: Pick<TestServer, "accessKeyId" | "secretAccessKey">,
  credentials?: Credentials,
): Credentials {
  return credentials ?? { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
}

/** An S3Client with default settings except endpoint, region, credentials and path-style addressing. */
export function s3Client(server: TestServer, credentials?: Credentials): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: credentialsOf(server, credentials),
    forcePathStyle: true,
  });
}

/** Resolves every host name to 127.0.0.1 (so that `bucket.s3.localhost` reaches the test server). */
const loopbackLookup = ((_host: string, options: unknown, callback: unknown) => {
  const cb = (typeof options === "function" ? options : callback) as (...args: unknown[]) => void;
  const all = typeof options === "object" && options !== null && (options as { all?: boolean }).all;
  if (all) cb(null, [{ address: "127.0.0.1", family: 4 }]);
  else cb(null, "127.0.0.1", 4);
}) as unknown as LookupFunction;

/**
 * An S3Client using virtual-hosted–style addressing against `http://DOMAIN:PORT` (the server must be
 * started with `--domain DOMAIN`): requests go to `BUCKET.DOMAIN:PORT`. Only name resolution differs
 * from the defaults: Node's resolver does not map `*.localhost` to loopback, so the HTTP agent does.
 * `server` may be any listener in front of a host (the edge worker) with that host's credentials.
 */
export function virtualHostClient(
  server: Pick<TestServer, "port" | "region" | "accessKeyId" | "secretAccessKey">,
  domain: string,
  credentials?: Credentials,
): S3Client {
  return new S3Client({
    endpoint: `http://${domain}:${server.port}`,
    region: server.region,
    credentials: credentialsOf(server, credentials),
    forcePathStyle: false,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, lookup: loopbackLookup }) },
  });
}

/** Percent-encodes a key for a URL path, keeping `/` (like the AWS SDKs do). */
export function encodeKey(key: string): string {
  return key
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join("/");
}

/** `/bucket/encoded/key` */
export function objectPath(bucket: string, key = ""): string {
  return `/${bucket}/${encodeKey(key)}`;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Buffer.from(digest).toString("hex");
}

export function md5Hex(data: string | Uint8Array): string {
  return new Bun.CryptoHasher("md5").update(data).digest("hex");
}

export function md5Base64(data: string | Uint8Array): string {
  return new Bun.CryptoHasher("md5").update(data).digest("base64");
}

/** A fresh SSE-C key, as the SDK's SSECustomer* parameters and as request headers. */
export function newCustomerKey() {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const base64 = Buffer.from(key).toString("base64");
  const md5 = md5Base64(key);
  return {
    params: { SSECustomerAlgorithm: "AES256", SSECustomerKey: base64, SSECustomerKeyMD5: md5 },
    headers: {
      "x-amz-server-side-encryption-customer-algorithm": "AES256",
      "x-amz-server-side-encryption-customer-key": base64,
      "x-amz-server-side-encryption-customer-key-md5": md5,
    },
  };
}

export interface SignedFetchOptions {
  method?: string;
  /** Query string without "?" (already encoded) or parameters to encode. */
  query?: string | Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sign the body's SHA-256 (x-amz-content-sha256) instead of UNSIGNED-PAYLOAD. Default false. */
  signPayload?: boolean;
  credentials?: Credentials;
  /** Signing time; default now. */
  date?: Date;
  region?: string;
  /** Send to 127.0.0.1 but sign and send this Host (e.g. "bucket.s3.localhost:PORT"). */
  host?: string;
  redirect?: RequestRedirect;
}

function queryString(query: SignedFetchOptions["query"]): string {
  if (query === undefined) return "";
  if (typeof query === "string") return query;
  return Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
}

function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

/** Signs a request with SigV4 (aws4fetch) and sends it with fetch. `path` must be percent-encoded. */
export async function signedFetch(
  server: TestServer,
  path: string,
  options: SignedFetchOptions = {},
): Promise<Response> {
  const request = await signedRequest(server, path, options);
  return await fetch(request, { redirect: options.redirect ?? "manual" });
}

/** The signed Request that signedFetch would send. */
export async function signedRequest(
  server: TestServer,
  path: string,
  options: SignedFetchOptions = {},
): Promise<Request> {
  const credentials = credentialsOf(server, options.credentials);
  const client = new AwsClient({ ...credentials, service: "s3", region: options.region ?? server.region });
  const qs = queryString(options.query);
  const host = options.host ?? `127.0.0.1:${server.port}`;
  const url = `http://${host}${path}${qs ? `?${qs}` : ""}`;
  const headers: Record<string, string> = { ...options.headers };
  const body =
    options.body === undefined ? undefined : typeof options.body === "string" ? options.body : options.body;
  if (options.signPayload && !Object.keys(headers).some((h) => h.toLowerCase() === "x-amz-content-sha256")) {
    headers["x-amz-content-sha256"] = await sha256Hex(options.body ?? "");
  }
  const signed = await client.sign(url, {
    method: options.method ?? "GET",
    headers,
    body: body as BodyInit | undefined,
    aws: { datetime: options.date ? amzDate(options.date) : undefined },
  });
  if (!options.host) return signed;
  // Connect to the test server but keep the signed Host header.
  const target = new URL(signed.url);
  const direct = `http://127.0.0.1:${server.port}${target.pathname}${target.search}`;
  const out = new Headers(signed.headers);
  out.set("host", host);
  return new Request(direct, { method: signed.method, headers: out, body: body as BodyInit | undefined });
}

export interface PresignOptions {
  method?: string;
  query?: string | Record<string, string>;
  expiresIn?: number;
  date?: Date;
  credentials?: Credentials;
  /** Headers that are part of the signature (the user of the URL must send them). */
  headers?: Record<string, string>;
}

/** A presigned URL (SigV4 query signing) for `path`, which must be percent-encoded. */
export async function presignUrl(
  server: TestServer,
  path: string,
  options: PresignOptions = {},
): Promise<string> {
  const credentials = credentialsOf(server, options.credentials);
  const client = new AwsClient({ ...credentials, service: "s3", region: server.region });
  const qs = queryString(options.query);
  const expires = `X-Amz-Expires=${options.expiresIn ?? 300}`;
  const url = `${server.endpoint}${path}?${qs ? `${qs}&` : ""}${expires}`;
  const signed = await client.sign(url, {
    method: options.method ?? "GET",
    headers: options.headers,
    aws: { signQuery: true, datetime: options.date ? amzDate(options.date) : undefined },
  });
  return signed.url;
}

/** The error code of an S3 XML error body ("" when there is none). */
export function errorCodeOf(xml: string): string {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? "";
}

/** The text of the first `<name>` element of an XML document (undefined when absent). */
export function xmlValue(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>|<${name}\\s*/>`).exec(xml);
  if (!m) return undefined;
  return (m[1] ?? "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(x?)([0-9a-fA-F]+);/g, (_m, hex: string, n: string) =>
      String.fromCodePoint(Number.parseInt(n, hex ? 16 : 10)),
    )
    .replace(/&amp;/g, "&");
}

/** The texts of every `<name>` element, in document order. */
export function xmlValues(xml: string, name: string): string[] {
  const out: string[] = [];
  for (const m of xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>|<${name}\\s*/>`, "g"))) {
    out.push(xmlValue(m[0], name) ?? "");
  }
  return out;
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON. */
  json: unknown;
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/** An environment without the caller's AWS settings, so that only what the test passes is used. */
function isolatedEnv(
  server: TestServer,
  credentials: Credentials | undefined,
  extra: Record<string, string>,
) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("AWS_") && !k.startsWith("BOTO")) env[k] = v;
  }
  const creds = credentialsOf(server, credentials);
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_DEFAULT_REGION: server.region,
    AWS_REGION: server.region,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONIOENCODING: "utf-8",
    PYTHONWARNINGS: "ignore",
  });
  if (creds.sessionToken) env.AWS_SESSION_TOKEN = creds.sessionToken;
  return Object.assign(env, extra);
}

/** Runs argv to its end (killed after timeoutMs) and collects its output. */
export async function run(
  argv: string[],
  env: Record<string, string>,
  timeoutMs: number,
  cwd?: string,
): Promise<ProcessResult> {
  const proc = Bun.spawn(argv, { env, cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr, json: parseJson(stdout) };
  } finally {
    clearTimeout(timer);
  }
}

/** Throws with the process's stderr unless it exited 0; returns the parsed JSON output. */
export function expectOk(result: ProcessResult): unknown {
  if (result.code !== 0) {
    throw new Error(
      `exit code ${result.code}\n--- stderr ---\n${result.stderr}\n--- stdout ---\n${result.stdout}`,
    );
  }
  return result.json;
}

export interface AwsCliOptions {
  env?: Record<string, string>;
  credentials?: Credentials;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * Runs the AWS CLI against the server: `aws --endpoint-url ENDPOINT ARGS…`, e.g.
 * `aws(server, ["s3api", "list-buckets"])`. Output defaults to JSON.
 */
export async function aws(
  server: TestServer,
  args: string[],
  options: AwsCliOptions = {},
): Promise<ProcessResult> {
  return await run(
    ["aws", "--endpoint-url", server.endpoint, "--output", "json", ...args],
    isolatedEnv(server, options.credentials, options.env ?? {}),
    options.timeoutMs ?? 60_000,
    options.cwd,
  );
}

const pythonPrelude = `
import json, os, sys
import boto3, botocore
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"])
def out(value):
    sys.stdout.write(json.dumps(value, default=str))
`;

export interface PyOptions {
  env?: Record<string, string>;
  credentials?: Credentials;
  timeoutMs?: number;
}

/**
 * Runs a python3 snippet with boto3. The snippet finds `s3` (a default boto3 client for the server),
 * `boto3`, `botocore`, `Config`, `os`, `json` and `out(value)` (writes value as JSON to stdout).
 * Environment: S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
 */
export async function py(
  server: TestServer,
  script: string,
  options: PyOptions = {},
): Promise<ProcessResult> {
  const env = isolatedEnv(server, options.credentials, { S3_ENDPOINT: server.endpoint, ...options.env });
  return await run(
    ["python3", "-c", `${pythonPrelude}\n${dedent(script)}`],
    env,
    options.timeoutMs ?? 60_000,
  );
}

function dedent(text: string): string {
  const lines = text.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join("\n");
}

export interface SdkFailure {
  /** The S3 error code (the SDK's error name), e.g. "NoSuchKey". */
  name: string;
  status: number | undefined;
  message: string;
}

/** Awaits an SDK call that must fail and describes the failure; throws if it succeeded. */
export async function sdkFailure(call: Promise<unknown>): Promise<SdkFailure> {
  try {
    await call;
  } catch (e) {
    const err = e as {
      name?: string;
      Code?: string;
      message?: string;
      $metadata?: { httpStatusCode?: number };
    };
    return {
      name: err.Code ?? err.name ?? "",
      status: err.$metadata?.httpStatusCode,
      message: err.message ?? String(e),
    };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** "allowed" when an SDK call succeeds, else the S3 error code it failed with (e.g. "AccessDenied"). */
export async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "allowed";
  } catch (e) {
    return (e as { name: string }).name;
  }
}
