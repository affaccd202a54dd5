/** `s3dir serve --workers 2` with stdout a pipe: the access log still arrives as whole lines. */
import { expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, repoRoot, testCredentials } from "../helpers/index.ts";

setDefaultTimeout(30_000);

test("access log lines of both workers through one pipe are whole JSON lines", async () => {
  const root = mkdtempSync(join(tmpdir(), "s3dir-workers-pipe-"));
  const port = await freePort();
  const proc = Bun.spawn(
    [process.execPath, "src/main.ts", "serve", "--root", root, "--port", String(port), "--workers", "2"],
    {
      cwd: repoRoot,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "ignore",
      env: {
        ...process.env,
        S3DIR_ROOT_ACCESS_KEY: testCredentials.accessKeyId,
        S3DIR_ROOT_SECRET_KEY: testCredentials.secretAccessKey,
      },
    },
  );
  try {
    let text = "";
    const decoder = new TextDecoder();
    const reader = proc.stdout.getReader();
    while (!text.includes('"msg":"every worker listening"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('"msg":"every worker listening"');
    // Nothing is read while the requests run: the pipe fills and the writers must wait, which is
    // when two processes' writes to one pipe would be cut and mixed.

    // Long lines (a 1,000-byte key) from 16 connections at once: batches far above the 4 KiB a pipe
    // keeps whole, written by two processes.
    const key = "k".repeat(1000);
    const requests = 2000;
    let next = 0;
    const client = async () => {
      while (next < requests) {
        next++;
        const response = await fetch(`http://127.0.0.1:${port}/no-such-bucket/${key}`, { keepalive: false });
        await response.arrayBuffer();
        expect(response.status).toBe(403);
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    proc.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(await proc.exited).toBe(0);

    const lines = text.split("\n").filter(Boolean);
    const unparsable = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(unparsable).toEqual([]);
    const accessLines = lines.filter((line) => line.includes(key));
    expect(accessLines).toHaveLength(requests);
    expect(lines.filter((line) => line.includes('"msg":"stopped"'))).toHaveLength(2);
  } finally {
    proc.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  }
});
