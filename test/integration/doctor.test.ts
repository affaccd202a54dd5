/** `s3dir doctor`: a clear report of what the root and the cluster's hosts provide. */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, s3dirCli, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

interface Report {
  root: string;
  results: { name: string; status: "ok" | "warn" | "fail"; detail: string; fix?: string }[];
}

const { server } = useHost({ bucket: false });

async function doctor(root: string): Promise<{ code: number; report: Report; stderr: string }> {
  const result = await s3dirCli(root, "doctor", "--json");
  return { code: result.code, report: JSON.parse(result.stdout || "{}") as Report, stderr: result.stderr };
}

describe("s3dir doctor", () => {
  test("a healthy local root passes every filesystem check and cleans up after itself", async () => {
    const { code, report } = await doctor(server.root);
    expect(code).toBe(0);
    const byName = Object.fromEntries(report.results.map((r) => [r.name, r]));
    for (const name of [
      "atomic rename over a file",
      "O_EXCL create",
      "hard links",
      "user extended attributes",
      "fsync",
      "case-sensitive names",
      "flock across processes",
      "clock: this host vs the filesystem",
      "system directory",
      "object lock protection",
    ]) {
      expect(byName[name]?.status).toBe("ok");
    }
    expect(byName["user extended attributes"]?.detail).toMatch(/values of \d+ bytes fit/);
    expect(byName["encryption at rest"]?.status).toBe("warn");
    expect(readdirSync(join(server.root, ".s3dir")).filter((n) => n.startsWith("doctor-"))).toEqual([]);
  });

  test("the text report says what to fix; a loose system directory is a warning", async () => {
    chmodSync(join(server.root, ".s3dir"), 0o755);
    try {
      const result = await s3dirCli(server.root, "doctor");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("WARN  system directory");
      expect(result.stdout).toContain(`→ chmod 700 ${join(server.root, ".s3dir")}`);
      expect(result.stdout).toMatch(/\d+ checks: \d+ ok, \d+ warnings, 0 failed/);
    } finally {
      chmodSync(join(server.root, ".s3dir"), 0o700);
    }
  });

  test("the clocks of the recorded cluster's hosts are compared; an unreachable host is reported", async () => {
    const dead = await freePort();
    expect(
      (
        await s3dirCli(
          server.root,
          "cluster",
          "create",
          "--hosts",
          `127.0.0.1:${server.port},127.0.0.1:${dead}`,
        )
      ).code,
    ).toBe(0);
    const { report } = await doctor(server.root);
    const live = report.results.find((r) => r.name === `clock: this host vs http://127.0.0.1:${server.port}`);
    expect(live?.status).toBe("ok");
    expect(live?.detail).toMatch(/about -?\d+ ms/);
    const gone = report.results.find((r) => r.name === `clock: this host vs http://127.0.0.1:${dead}`);
    expect(gone?.status).toBe("warn");
    expect(gone?.detail).toContain("unreachable");
  });

  test("the trust boundary: a bucket's leftover .s3dir and a group-writable root are warnings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3dir-doctor-"));
    try {
      mkdirSync(join(dir, "old-bucket", ".s3dir", "settings"), { recursive: true });
      mkdirSync(join(dir, "clean-bucket"));
      chmodSync(dir, 0o775);
      const { report } = await doctor(dir);
      const byName = Object.fromEntries(report.results.map((r) => [r.name, r]));
      expect(byName["bucket directories"]?.status).toBe("warn");
      expect(byName["bucket directories"]?.detail).toContain("old-bucket");
      expect(byName["bucket directories"]?.detail).not.toContain("clean-bucket");
      expect(byName["root access"]?.status).toBe("warn");
      chmodSync(dir, 0o755);
      expect((await doctor(dir)).report.results.find((r) => r.name === "root access")?.status).toBe("ok");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a system directory that is a symlink fails: the server never follows it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3dir-doctor-"));
    try {
      mkdirSync(join(dir, "elsewhere"));
      mkdirSync(join(dir, "root"));
      symlinkSync(join(dir, "elsewhere"), join(dir, "root", ".s3dir"));
      const result = await s3dirCli(join(dir, "root"), "doctor");
      expect(result.code).not.toBe(0);
      expect(result.stdout).toContain("is a symlink");
      expect(readdirSync(join(dir, "elsewhere"))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a root that is not a directory fails with exit code 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3dir-doctor-"));
    try {
      const file = join(dir, "not-a-dir");
      writeFileSync(file, "x");
      const result = await s3dirCli(file, "doctor");
      expect(result.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
