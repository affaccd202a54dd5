import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import {
  createSseKeyring,
  loadSseKeys,
  newSseMasterKey,
  sseKeysFile,
  writeSseKeys,
} from "../../src/storage/sse/keyring.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function root(): string {
  const r = fs.mkdtempSync(`${os.tmpdir()}/s3dir-ring-`);
  roots.push(r);
  return r;
}

test("racing first loads agree on one key; the file is private", async () => {
  const r = root();
  const sets = await Promise.all(Array.from({ length: 8 }, () => loadSseKeys(r)));
  expect(new Set(sets.map((s) => s.current.id)).size).toBe(1);
  expect(fs.statSync(sseKeysFile(r)).mode & 0o777).toBe(0o600);
});

test("the cache follows a rotation within its revalidation period, and at once for an unknown id", async () => {
  const r = root();
  let now = 0;
  const ring = createSseKeyring(r, () => now);
  const first = (await ring.keys()).current;
  const next = newSseMasterKey();
  await writeSseKeys(r, [next, first]);
  expect((await ring.keys()).current.id).toBe(first.id);
  expect((await ring.key(next.id))?.id).toBe(next.id);
  now += 1500;
  expect((await ring.keys()).current.id).toBe(next.id);
  expect(await ring.key("nope")).toBeUndefined();
});
