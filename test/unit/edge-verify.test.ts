/**
 * The edge's verification (src/edge/verify.ts, on the hosts' own SigV4 and STS code) gives the same
 * answers under Bun and inside workerd, on one table of cases; and the worker bundles for workerd
 * with Web-standard APIs only.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AwsClient } from "aws4fetch";
import { Miniflare } from "miniflare";
import { bundleWorker } from "../../scripts/edge.ts";
import { sealSessionToken, type TokenKey } from "../../src/auth/session-token.ts";
import { type EdgeKeys, type EdgeVerdict, verifyAtEdge } from "../../src/edge/verify.ts";
import { hmacSha1Base64 } from "../../src/lib/hmac-sha1.ts";
import { presignUrl } from "../../src/lib/presign.ts";
import { sigV2StringToSign } from "../../src/lib/sigv2-canonical.ts";

setDefaultTimeout(60_000);

const repo = resolve(import.meta.dir, "../..");
const now = new Date("2026-03-01T12:00:00Z");
const region = "us-east-1";
const endpoint = "http://edge.example.test";
const userKey = {
  accessKeyId: "AKIAEDGEUSER00000001",
  secretAccessKey: "edge/user+secret/0123456789abcdefghij",
};
const tokenKey: TokenKey = { id: "tk0001", key: new Uint8Array(32).fill(7) };
const otherTokenKey: TokenKey = { id: "tk0001", key: new Uint8Array(32).fill(9) };

interface KeysJson {
  unknownKeys: "forward" | "refuse";
  tokenKeys: { id: string; key: number[] }[];
  edgeKeys: [string, string][];
}
interface Case {
  name: string;
  method: string;
  url: string;
  headers: [string, string][];
  keys: KeysJson;
}
type Answer = { kind: string; code?: string; principalKind?: string; accessKeyId?: string };

const keysJson = (unknownKeys: "forward" | "refuse"): KeysJson => ({
  unknownKeys,
  tokenKeys: [{ id: tokenKey.id, key: [...tokenKey.key] }],
  edgeKeys: [[userKey.accessKeyId, userKey.secretAccessKey]],
});

function keysOf(json: KeysJson): EdgeKeys {
  return {
    region,
    unknownKeys: json.unknownKeys,
    tokenKeys: new Map(json.tokenKeys.map((k) => [k.id, { id: k.id, key: new Uint8Array(k.key) }])),
    edgeKeys: new Map(json.edgeKeys),
  };
}

function answerOf(v: EdgeVerdict): Answer {
  if (v.kind === "refused") return { kind: v.kind, code: v.error.code };
  if (v.kind === "verified")
    return { kind: v.kind, principalKind: v.principal.kind, accessKeyId: v.principal.accessKeyId };
  return { kind: v.kind };
}

/** Runs one case: the same function in Bun and in the worker below. */
async function run(c: Case, at: Date): Promise<Answer> {
  const url = new URL(c.url);
  const raw = c.url.slice(c.url.indexOf("/", 8));
  const q = raw.indexOf("?");
  const headers = new Headers(c.headers);
  headers.set("host", url.host);
  const verdict = await verifyAtEdge(
    { method: c.method, path: q < 0 ? raw : raw.slice(0, q), query: q < 0 ? "" : raw.slice(q + 1), headers },
    keysOf(c.keys),
    at,
  );
  return answerOf(verdict);
}

async function session(expiresAt: number, key = tokenKey) {
  const claims = {
    accessKeyId: "ASIAEDGESESSION00001",
    secretAccessKey: "session/secret+0123456789abcdefghijklmn",
    parentUser: "alice",
    parentAccessKeyId: userKey.accessKeyId,
    roleArn: "arn:aws:iam::000000000000:role/reader",
    sessionName: "s1",
    issuedAt: now.getTime() / 1000 - 60,
    expiresAt,
  };
  return { ...claims, token: await sealSessionToken(claims, key) };
}

async function presign(
  method: string,
  path: string,
  key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  extra: { expires?: number; at?: Date; region?: string } = {},
): Promise<string> {
  return await presignUrl({
    method,
    url: `${endpoint}${path}`,
    ...key,
    region: extra.region ?? region,
    expiresSeconds: extra.expires ?? 300,
    now: extra.at ?? now,
  });
}

/** A SigV2 link (AWSAccessKeyId, Expires, Signature), as boto3 and s3cmd make them. */
async function presignV2(
  method: string,
  path: string,
  key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  expiresAt: number,
): Promise<string> {
  const token = key.sessionToken ? `&x-amz-security-token=${encodeURIComponent(key.sessionToken)}` : "";
  const headers = new Headers(key.sessionToken ? { "x-amz-security-token": key.sessionToken } : {});
  const toSign = sigV2StringToSign({ method, path, query: "", headers }, String(expiresAt));
  const signature = encodeURIComponent(await hmacSha1Base64(key.secretAccessKey, toSign));
  return `${endpoint}${path}?AWSAccessKeyId=${key.accessKeyId}&Expires=${expiresAt}&Signature=${signature}${token}`;
}

async function buildCases(): Promise<Case[]> {
  const live = await session(now.getTime() / 1000 + 3600);
  const expired = await session(now.getTime() / 1000 - 1);
  const forged = await session(now.getTime() / 1000 + 3600, otherTokenKey);
  const get = await presign("GET", "/b/a%20b.txt", userKey);
  const v2 = await presignV2("GET", "/b/a%20b.txt", userKey, now.getTime() / 1000 + 300);
  const headerSigned = await new AwsClient({ ...userKey, service: "s3", region }).sign(`${endpoint}/b/k`, {
    method: "GET",
    aws: { datetime: "20260301T120000Z" },
  });
  const c = (
    name: string,
    method: string,
    url: string,
    unknown: "forward" | "refuse" = "forward",
    headers: [string, string][] = [],
  ): Case => ({
    name,
    method,
    url,
    headers,
    keys: keysJson(unknown),
  });
  return [
    c("user key GET", "GET", get),
    c("user key PUT", "PUT", await presign("PUT", "/b/new", userKey)),
    c("user key HEAD", "HEAD", await presign("HEAD", "/b/k", userKey)),
    c("signed GET used as PUT", "PUT", get),
    c("tampered signature", "GET", get.replace(/X-Amz-Signature=./, "X-Amz-Signature=0")),
    c("another key's path", "GET", get.replace("a%20b.txt", "c.txt")),
    c(
      "expired",
      "GET",
      await presign("GET", "/b/k", userKey, { expires: 60, at: new Date(now.getTime() - 120_000) }),
    ),
    c(
      "signed in the future",
      "GET",
      await presign("GET", "/b/k", userKey, { at: new Date(now.getTime() + 3_600_000) }),
    ),
    c("wrong region", "GET", await presign("GET", "/b/k", userKey, { region: "eu-west-1" })),
    c("wrong secret", "GET", await presign("GET", "/b/k", { ...userKey, secretAccessKey: "nope" })),
    c(
      "unknown key, forwarded",
      "GET",
      await presign("GET", "/b/k", { accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" }),
    ),
    c(
      "unknown key, refused",
      "GET",
      await presign("GET", "/b/k", { accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" }),
      "refuse",
    ),
    c("STS session", "GET", await presign("GET", "/b/k", { ...live, sessionToken: live.token })),
    c("STS expired token", "GET", await presign("GET", "/b/k", { ...expired, sessionToken: expired.token })),
    c("STS forged token", "GET", await presign("GET", "/b/k", { ...forged, sessionToken: forged.token })),
    c(
      "STS token of another key",
      "GET",
      await presign("GET", "/b/k", { ...userKey, sessionToken: live.token }),
    ),
    c(
      "presigned PUT with an unsigned x-amz-copy-source",
      "PUT",
      await presign("PUT", "/b/new", userKey),
      "forward",
      [["x-amz-copy-source", "/b/secret.txt"]],
    ),
    c(
      "presigned PUT with an unsigned x-amz-content-sha256",
      "PUT",
      await presign("PUT", "/b/new", userKey),
      "forward",
      [["x-amz-content-sha256", "UNSIGNED-PAYLOAD"]],
    ),
    c("anonymous", "GET", `${endpoint}/b/k`),
    c("SigV2 link", "GET", v2),
    c("SigV2 link, another path", "GET", v2.replace("a%20b.txt", "c.txt")),
    c("SigV2 link, expired", "GET", await presignV2("GET", "/b/k", userKey, now.getTime() / 1000 - 1)),
    c(
      "SigV2 link, STS session",
      "GET",
      await presignV2("GET", "/b/k", { ...live, sessionToken: live.token }, now.getTime() / 1000 + 300),
    ),
    c("header-signed", "GET", headerSigned.url, "forward", [...headerSigned.headers]),
  ];
}

const expected: Record<string, Answer> = {
  "user key GET": { kind: "verified", principalKind: "user", accessKeyId: userKey.accessKeyId },
  "user key PUT": { kind: "verified", principalKind: "user", accessKeyId: userKey.accessKeyId },
  "user key HEAD": { kind: "verified", principalKind: "user", accessKeyId: userKey.accessKeyId },
  "signed GET used as PUT": { kind: "refused", code: "SignatureDoesNotMatch" },
  "tampered signature": { kind: "refused", code: "SignatureDoesNotMatch" },
  "another key's path": { kind: "refused", code: "SignatureDoesNotMatch" },
  expired: { kind: "refused", code: "AccessDenied" },
  "signed in the future": { kind: "refused", code: "RequestTimeTooSkewed" },
  "wrong region": { kind: "refused", code: "AuthorizationQueryParametersError" },
  "wrong secret": { kind: "refused", code: "SignatureDoesNotMatch" },
  "unknown key, forwarded": { kind: "forward" },
  "unknown key, refused": { kind: "refused", code: "InvalidAccessKeyId" },
  "STS session": { kind: "verified", principalKind: "session", accessKeyId: "ASIAEDGESESSION00001" },
  "STS expired token": { kind: "refused", code: "ExpiredToken" },
  "STS forged token": { kind: "refused", code: "InvalidToken" },
  "STS token of another key": { kind: "refused", code: "InvalidToken" },
  "presigned PUT with an unsigned x-amz-copy-source": { kind: "refused", code: "AccessDenied" },
  "presigned PUT with an unsigned x-amz-content-sha256": {
    kind: "verified",
    principalKind: "user",
    accessKeyId: userKey.accessKeyId,
  },
  anonymous: { kind: "anonymous" },
  "SigV2 link": { kind: "verified", principalKind: "user", accessKeyId: userKey.accessKeyId },
  "SigV2 link, another path": { kind: "refused", code: "SignatureDoesNotMatch" },
  "SigV2 link, expired": { kind: "refused", code: "AccessDenied" },
  "SigV2 link, STS session": {
    kind: "verified",
    principalKind: "session",
    accessKeyId: "ASIAEDGESESSION00001",
  },
  "header-signed": { kind: "verified", principalKind: "user", accessKeyId: userKey.accessKeyId },
};

let cases: Case[];
let dir: string;
let mf: Miniflare | undefined;

beforeAll(async () => {
  cases = await buildCases();
  dir = mkdtempSync(join(tmpdir(), "s3dir-edge-table-"));
});

afterAll(async () => {
  await mf?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("edge verification table", () => {
  test("under Bun", async () => {
    for (const c of cases)
      expect({ name: c.name, ...(await run(c, now)) }).toEqual({ name: c.name, ...expected[c.name]! });
  });

  test("inside workerd, the same answers", async () => {
    const entry = join(dir, "table-worker.ts");
    writeFileSync(
      entry,
      `import { verifyAtEdge } from ${JSON.stringify(join(repo, "src/edge/verify.ts"))};
${keysOf.toString()}
${answerOf.toString()}
${run.toString()}
const region = ${JSON.stringify(region)};
export default {
  async fetch(req) {
    const { cases, at } = await req.json();
    const out = [];
    for (const c of cases) out.push(await run(c, new Date(at)));
    return Response.json(out);
  },
};
`,
    );
    mf = new Miniflare({
      modules: true,
      script: await bundleWorker(entry),
      scriptPath: join(repo, "edge-table-worker.js"),
      compatibilityDate: "2025-01-01",
    });
    const response = await mf.dispatchFetch("http://table.test/", {
      method: "POST",
      body: JSON.stringify({ cases, at: now.toISOString() }),
    });
    const answers = (await response.json()) as Answer[];
    const inWorkerd = Object.fromEntries(cases.map((c, i) => [c.name, answers[i]]));
    expect(inWorkerd).toEqual(expected);
  });
});

describe("edge bundle", () => {
  test("the worker bundles for workerd without Node or Bun modules", async () => {
    const code = await bundleWorker();
    expect(code).toContain("export");
    expect(code).not.toMatch(/from\s+["'](node:|bun:)/);
  });

  test("a Node built-in anywhere in the worker's imports fails the bundle", async () => {
    const entry = join(dir, "bad-worker.ts");
    writeFileSync(
      entry,
      `import { readFileSync } from "node:fs";\nimport ${JSON.stringify(join(repo, "src/edge/worker.ts"))};\nexport default { fetch: () => new Response(String(readFileSync)) };\n`,
    );
    await expect(bundleWorker(entry)).rejects.toThrow(/node:fs/);
  });
});
