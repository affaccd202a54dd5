/** The webhook setting file: validation, masking, atomic writes and following changes. */
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auditEventOf } from "../../src/audit/audit-event.ts";
import { encodeBatch } from "../../src/audit/delivery-format.ts";
import {
  maskToken,
  parseWebhookSettings,
  readWebhookSettings,
  sealLegacyToken,
  watchWebhookSettings,
  writeWebhookSettings,
} from "../../src/audit/webhook-settings.ts";
import { loadSecretsKey, type SecretsKey } from "../../src/iam/secrets-key.ts";
import { waitFor } from "../helpers/index.ts";

setDefaultTimeout(60_000);

let dir: string;
let secretsKey: SecretsKey;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "s3dir-audit-settings-"));
  secretsKey = await loadSecretsKey(dir, {});
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const base = { enabled: true, url: "http://127.0.0.1:8088/services/collector" };

describe("webhook setting", () => {
  test("defaults, validation and masking", () => {
    expect(parseWebhookSettings(base)).toMatchObject({
      format: "splunk",
      batchSize: 100,
      flushIntervalMs: 1000,
      spoolMaxBytes: 1024 ** 3,
    });
    expect(() => parseWebhookSettings({ ...base, url: "not a url" })).toThrow(/url/);
    expect(() => parseWebhookSettings({ ...base, format: "xml" })).toThrow(/format/);
    expect(() => parseWebhookSettings({ ...base, batchSize: 0 })).toThrow(/batchSize/);
    expect(maskToken("abcdefgh-1234-5678")).toBe("****5678");
    expect(maskToken("short")).toBe("****");
    expect(maskToken(undefined)).toBeUndefined();
  });

  test("is written atomically with mode 0600 and followed within a second", async () => {
    const file = join(dir, "audit", "webhook.json");
    const watcher = await watchWebhookSettings(file, { secretsKey, intervalMs: 50 });
    expect(watcher.current()).toBeUndefined();
    let changes = 0;
    watcher.onChange(() => changes++);
    await writeWebhookSettings(
      file,
      { ...parseWebhookSettings(base), authToken: "t0ken-secret" },
      secretsKey,
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "audit")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, "audit"))).toEqual(["webhook.json"]);
    expect(await waitFor(() => watcher.current()?.enabled === true, 2000)).toBe(true);
    expect(readFileSync(file, "utf8")).not.toContain("t0ken-secret");
    expect(watcher.current()?.authToken).toBe("t0ken-secret");
    expect((await readWebhookSettings(file, secretsKey))?.authToken).toBe("t0ken-secret");
    // A broken file keeps the previous setting.
    const errors: unknown[] = [];
    watcher.close();
    const second = await watchWebhookSettings(file, {
      secretsKey,
      intervalMs: 50,
      onError: (e) => errors.push(e),
    });
    writeFileSync(file, "{not json");
    expect(await waitFor(() => errors.length > 0, 2000)).toBe(true);
    expect(second.current()?.enabled).toBe(true);
    rmSync(file);
    expect(await waitFor(() => second.current() === undefined, 2000)).toBe(true);
    second.close();
    expect(changes).toBeGreaterThanOrEqual(1);
  });
});

describe("a setting written by an older version", () => {
  test("with its token in plain text is read, then sealed in place", async () => {
    const file = join(dir, "audit", "webhook.json");
    mkdirSync(join(dir, "audit"), { mode: 0o700 });
    writeFileSync(file, JSON.stringify({ ...base, authToken: "legacy-token-1234" }), { mode: 0o600 });
    expect((await readWebhookSettings(file, secretsKey))?.authToken).toBe("legacy-token-1234");
    await sealLegacyToken(file, secretsKey);
    expect(readFileSync(file, "utf8")).not.toContain("legacy-token-1234");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, "audit"))).toEqual(["webhook.json"]);
    expect(await readWebhookSettings(file, secretsKey)).toMatchObject({
      ...base,
      authToken: "legacy-token-1234",
    });
    // Sealing again, or a file without a token, changes nothing.
    const sealed = readFileSync(file, "utf8");
    await sealLegacyToken(file, secretsKey);
    expect(readFileSync(file, "utf8")).toBe(sealed);
  });
});

describe("delivery formats", () => {
  const event = auditEventOf(
    {
      time: "2026-01-02T03:04:05.678Z",
      requestId: "r1",
      remoteIp: "::1",
      principal: "root",
      principalKind: "root",
      accessKeyId: "AKROOT",
      operation: "sts:AssumeRole",
      method: "POST",
      bucket: "",
      key: "",
      status: 200,
      bytesIn: 10,
      bytesOut: 20,
      durationMs: 3,
      userAgent: "ua",
      requestHeaders: {},
      responseHeaders: {},
    },
    "h1:9000",
  );

  test("splunk: one HEC object per line with epoch seconds", () => {
    const { body, headers } = encodeBatch("splunk", [event, event], "tok");
    expect(headers.authorization).toBe("Splunk tok");
    const lines = body.trimEnd().split("\n");
    expect(lines.length).toBe(2);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: 1767323045.678,
      host: "h1:9000",
      source: "s3dir",
      sourcetype: "s3dir:audit",
      event,
    });
  });

  test("json: an array, with a bearer token only when there is one", () => {
    expect(encodeBatch("json", [event], "tok").headers.authorization).toBe("Bearer tok");
    const { body, headers } = encodeBatch("json", [event]);
    expect(headers.authorization).toBeUndefined();
    expect(JSON.parse(body)).toEqual([event]);
  });

  test("a token given with its scheme, as Weka's docs show it, is sent as given", () => {
    expect(encodeBatch("splunk", [event], "Splunk tok").headers.authorization).toBe("Splunk tok");
    expect(encodeBatch("json", [event], "Bearer tok").headers.authorization).toBe("Bearer tok");
    expect(encodeBatch("json", [event], "Basic dXNlcjpwYXNz").headers.authorization).toBe(
      "Basic dXNlcjpwYXNz",
    );
  });

  test("minio layout: api.*, requestHeader, remotehost, requestID as MinIO and Weka send them", () => {
    const { body } = encodeBatch("json", [event], undefined, { layout: "minio", deploymentId: "dep-1" });
    expect(JSON.parse(body)).toEqual([
      {
        version: "1",
        deploymentid: "dep-1",
        time: "2026-01-02T03:04:05.678Z",
        trigger: "incoming",
        api: {
          name: "sts:AssumeRole",
          status: "OK",
          statusCode: 200,
          rx: 10,
          tx: 20,
          timeToResponse: "3000000ns",
        },
        remotehost: "::1",
        requestID: "r1",
        userAgent: "ua",
        accessKey: "AKROOT",
        parentUser: "root",
        requestHeader: {},
        responseHeader: {},
        tags: { host: "h1:9000", method: "POST" },
      },
    ]);
    const hec = JSON.parse(
      encodeBatch("splunk", [event], "tok", { layout: "minio", deploymentId: "dep-1" }).body,
    ) as { event: { requestID: string } };
    expect(hec.event.requestID).toBe("r1");
  });
});
