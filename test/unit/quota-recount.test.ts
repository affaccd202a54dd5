import { afterAll, beforeAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { Layout } from "../../src/storage/layout/paths.ts";
import { createPosixStore, type PosixStore } from "../../src/storage/posix-store.ts";
import { readLedger } from "../../src/storage/quota/ledger.ts";

const bucket = "recounted";
let root: string;
let hostA: PosixStore;
let hostB: PosixStore;
let total = 0;

beforeAll(async () => {
  root = fs.realpathSync(fs.mkdtempSync(`${os.tmpdir()}/s3dir-recount-`));
  // Two hosts on one root; a slice walks 5 entries and a host's turn is one slice.
  const options = { root, fsync: false, quotaRecountSlices: { entries: 5, turn: 1 } };
  hostA = await createPosixStore(options);
  hostB = await createPosixStore(options);
  await hostA.createBucket(bucket);
  // Files written through POSIX, nested, 12 of them with distinct sizes.
  for (let i = 0; i < 12; i++) {
    const dir = `${root}/${bucket}/d${i % 3}${i % 2 ? "/deeper" : ""}`;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}/f${String(i).padStart(2, "0")}`, new Uint8Array(100 + i));
    total += 100 + i;
  }
  await hostA.quota.limits.put(bucket, 1024 * 1024);
});
afterAll(async () => {
  await hostA?.close();
  await hostB?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test("a recount goes in slices whose cursor is kept in the ledger; any host goes on where the last stopped", async () => {
  const layout = new Layout(root);
  const cursors: string[] = [];
  let done = false;
  for (let turn = 0; turn < 50 && !done; turn++) {
    done = await (turn % 2 ? hostB : hostA).quota.recount(bucket);
    const l = await readLedger(layout, bucket);
    if (!done) {
      expect(l.recount?.host).toBe(""); // left to any host between slices
      expect(l.recount?.bytes).toBeLessThan(total);
      cursors.push(JSON.stringify(l.recount?.cursor));
    }
  }
  expect(done).toBe(true);
  // 12 files and their directories in slices of 5 entries: several slices, each further on.
  expect(cursors.length).toBeGreaterThanOrEqual(3);
  expect(new Set(cursors).size).toBe(cursors.length);
  const l = await readLedger(layout, bucket);
  expect(l.recount).toBeUndefined();
  expect(l.used).toBe(total);
});

test("a recount the CLI forces runs to its end at once", async () => {
  fs.writeFileSync(`${root}/${bucket}/more`, new Uint8Array(1000));
  expect(await hostA.quota.recount(bucket, true)).toBe(true);
  expect((await readLedger(new Layout(root), bucket)).used).toBe(total + 1000);
});

test("a recount that is not due does not start", async () => {
  expect(await hostB.quota.recount(bucket)).toBe(false);
  expect((await readLedger(new Layout(root), bucket)).recount).toBeUndefined();
});
