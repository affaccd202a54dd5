import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { serveOpenFile } from "../../src/runtime/serve-file-link.ts";

const dir = fs.mkdtempSync(`${os.tmpdir()}/s3dir-serve-link-`);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("an open file is served by a private alias, even once its path names another file", async () => {
  const path = join(dir, "object");
  fs.writeFileSync(path, "the bytes that were opened");
  const fd = fs.openSync(path, "r");
  fs.writeFileSync(`${path}.new`, "other bytes");
  fs.renameSync(`${path}.new`, path);
  let closed = 0;
  const served = serveOpenFile(fd, () => {
    closed++;
    fs.closeSync(fd);
  });
  expect(served).toBeDefined();
  const blob = served!.slice(4, 8) as Blob;
  expect(await blob.text()).toBe("bytes");
  const alias = (blob as Blob & { name?: string }).name;
  expect(alias).not.toContain(dir);
  expect(alias && fs.existsSync(alias)).toBe(true);
  served!.release();
  served!.release();
  expect(closed).toBe(1);
  expect(fs.existsSync(alias!)).toBe(false);
});
