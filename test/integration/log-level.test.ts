/** --log-level, and `s3dir log-level LEVEL` changing it on running hosts without a restart. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { s3dirCli, startHost, type TestServer, waitFor } from "../helpers/index.ts";

setDefaultTimeout(60_000);

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "s3dir-log-level-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(...args: string[]) {
  const result = await s3dirCli(root, "log-level", ...args);
  if (result.code !== 0) throw new Error(`s3dir log-level ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const messages = (server: TestServer) =>
  server.logs().flatMap((line) => {
    try {
      return [JSON.parse(line) as { level?: string; msg?: string; logLevel?: string }];
    } catch {
      return [];
    }
  });

const changedTo = (server: TestServer, level: string) =>
  messages(server).some((m) => m.msg === "log level changed" && m.logLevel === level);

describe("s3dir log-level", () => {
  test("a running host follows a level set for the root: info lines stop at warn", async () => {
    const server = await startHost({ root, args: ["--log-level", "info"] });
    expect(messages(server).some((m) => m.msg === "listening")).toBe(true);
    expect(JSON.parse(await cli("--json"))).toEqual({ level: null });
    await cli("warn");
    expect(JSON.parse(await cli("--json"))).toMatchObject({ level: "warn" });
    expect(await waitFor(() => changedTo(server, "warn"), 8000)).toBe(true);
    await server.stop();
    // "stopped" is an info line.
    expect(messages(server).some((m) => m.msg === "stopped")).toBe(false);
  });

  test("a host started while a level is set uses it; `default` gives it back its --log-level", async () => {
    const server = await startHost({ root, args: ["--log-level", "info"] });
    expect(messages(server).some((m) => m.msg === "listening")).toBe(false);
    await cli("default");
    expect(JSON.parse(await cli("--json"))).toEqual({ level: null });
    expect(await waitFor(() => changedTo(server, "info"), 8000)).toBe(true);
    await server.stop();
    expect(messages(server).some((m) => m.msg === "stopped")).toBe(true);
  });

  test("an unknown level is refused", async () => {
    const result = await s3dirCli(root, "log-level", "loud");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("usage: s3dir log-level");
    const serve = await s3dirCli(root, "serve", "--log-level", "loud", "--port", "0");
    expect(serve.code).not.toBe(0);
    expect(serve.stderr).toContain("debug, info, warn or error");
  });
});
