/**
 * The console's server side in isolation: which URLs are the console's, how a build is named
 * by its sources (a changed source gets a new build; the same sources reuse theirs).
 */
import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildConsole, consoleSourceHash, repoDirOf } from "../../src/console/server/console-build.ts";
import { isConsoleUrl } from "../../src/console/server/console-handler.ts";

describe("isConsoleUrl", () => {
  test("only a path starting with /_console is the console's", () => {
    expect(isConsoleUrl("http://127.0.0.1:9000/_console/")).toBe(true);
    expect(isConsoleUrl("https://s3.example/_console/assets/console-0123456789ab.js")).toBe(true);
    expect(isConsoleUrl("http://127.0.0.1:9000/_console")).toBe(true);
    expect(isConsoleUrl("http://127.0.0.1:9000/bucket/_console/")).toBe(false);
    expect(isConsoleUrl("http://127.0.0.1:9000/?prefix=/_console")).toBe(false);
    expect(isConsoleUrl("http://127.0.0.1:9000/")).toBe(false);
  });
});

describe("console build", () => {
  test("named by a hash of its sources: rebuilt when one changes, reused otherwise", async () => {
    const repo = mkdtempSync(join(tmpdir(), "s3dir-console-build-"));
    try {
      writeFileSync(join(repo, "package.json"), "{}");
      symlinkSync(join(repoDirOf(), "node_modules"), join(repo, "node_modules"));
      cpSync(join(repoDirOf(), "src", "console", "app"), join(repo, "src", "console", "app"), {
        recursive: true,
      });
      const first = await buildConsole(repo);
      expect(await buildConsole(repo)).toBe(first);
      const manifest = JSON.parse(readFileSync(join(first, "manifest.json"), "utf8"));
      expect(manifest.script).toMatch(/^console-[0-9a-f]{12}\.js$/);
      expect(existsSync(join(first, `${manifest.script}.gz`))).toBe(true);
      expect(readFileSync(join(repo, "dist", "console", "latest"), "utf8")).toBe(manifest.sourceHash);
      const css = join(repo, "src", "console", "app", "console.css");
      writeFileSync(css, `${readFileSync(css, "utf8")}\n/* changed */\n`);
      expect(consoleSourceHash(join(repo, "src", "console", "app"))).not.toBe(manifest.sourceHash);
      const second = await buildConsole(repo);
      expect(second).not.toBe(first);
      const next = JSON.parse(readFileSync(join(second, "manifest.json"), "utf8"));
      expect(next.style).not.toBe(manifest.style);
      expect(next.script).toBe(manifest.script);
      expect(existsSync(first)).toBe(false);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
