import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { createOnce, replaceAtomically } from "../../src/runtime/shared-file.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = fs.mkdtempSync(`${os.tmpdir()}/s3dir-shared-file-`);
  dirs.push(d);
  return d;
}

test("createOnce: of racing creators exactly one wins, its content stays, no temp file is left", async () => {
  const file = join(dir(), "sub", "keys.json");
  const contents = Array.from({ length: 16 }, (_, i) => `content ${i}\n`);
  const won = await Promise.all(contents.map((c) => createOnce(file, c)));
  expect(won.filter(Boolean)).toHaveLength(1);
  expect(fs.readFileSync(file, "utf8")).toBe(contents[won.indexOf(true)]!);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.statSync(join(file, "..")).mode & 0o777).toBe(0o700);
  expect(fs.readdirSync(join(file, ".."))).toEqual(["keys.json"]);
});

test("createOnce leaves an existing file alone", async () => {
  const file = join(dir(), "master.key");
  fs.writeFileSync(file, "first\n");
  expect(await createOnce(file, "second\n")).toBe(false);
  expect(fs.readFileSync(file, "utf8")).toBe("first\n");
  expect(fs.readdirSync(join(file, ".."))).toEqual(["master.key"]);
});

test("replaceAtomically replaces (or creates) the file, private, without a temp file left", async () => {
  const d = dir();
  const file = join(d, "record.json");
  await replaceAtomically(file, "one\n");
  expect(fs.readFileSync(file, "utf8")).toBe("one\n");
  fs.chmodSync(file, 0o644);
  await replaceAtomically(file, "two\n");
  expect(fs.readFileSync(file, "utf8")).toBe("two\n");
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(d)).toEqual(["record.json"]);
});

test("replaceAtomically cleans up its temp file when the rename fails", async () => {
  const d = dir();
  const target = join(d, "taken");
  fs.mkdirSync(join(target, "inside"), { recursive: true });
  await expect(replaceAtomically(target, "x")).rejects.toThrow();
  expect(fs.readdirSync(d)).toEqual(["taken"]);
});
