import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { StorageError } from "../../src/storage/errors.ts";
import { createSseKeyring } from "../../src/storage/sse/keyring.ts";
import { createKmsKeyring } from "../../src/storage/sse/kms-keyring.ts";
import {
  createKmsKey,
  findKmsKey,
  listKmsKeys,
  readKmsKey,
  rotateKmsKey,
  setKmsKeyEnabled,
} from "../../src/storage/sse/kms-keys.ts";
import type { KmsRequest } from "../../src/storage/sse/records.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function root(): string {
  const r = fs.mkdtempSync(`${os.tmpdir()}/s3dir-kms-`);
  roots.push(r);
  return r;
}

const home = { region: "eu-west-1", account: "000000000000" };
const req = (keyId?: string, context?: string): KmsRequest => ({
  ...(keyId !== undefined ? { keyId } : {}),
  ...(context !== undefined ? { context } : {}),
  home,
});

async function refusal(call: Promise<unknown>): Promise<[string, string]> {
  try {
    await call;
  } catch (e) {
    if (e instanceof StorageError) return [e.code, e.message];
    throw e;
  }
  throw new Error("expected a StorageError");
}

test("a data key wraps under a named key and unwraps only with the same context", async () => {
  const r = root();
  const master = createSseKeyring(r);
  const ring = createKmsKeyring(r, master);
  const key = await createKmsKey(r, master, { home, alias: "alias/app" });
  expect(key.arn).toBe(`arn:aws:kms:eu-west-1:000000000000:key/${key.id}`);
  const { dataKey, record } = await ring.newDataKey(req("alias/app", '{"a":"b"}'));
  expect(record).toMatchObject({ m: "KMS", K: key.arn, V: 1, x: '{"a":"b"}' });
  expect(await ring.recoverDataKey({ ...record, c: 65536 })).toEqual(dataKey);
  const [code] = await refusal(ring.recoverDataKey({ ...record, c: 65536, x: '{"a":"c"}' }));
  expect(code).toBe("SseUnreadable");
});

test("unknown keys: KmsNotFound, worded as KMS words it", async () => {
  const r = root();
  const ring = createKmsKeyring(r, createSseKeyring(r));
  const id = "0b0b0b0b-1111-4222-8333-444444444444";
  expect(await refusal(ring.newDataKey(req(id)))).toEqual([
    "KmsNotFound",
    `Key 'arn:aws:kms:eu-west-1:000000000000:key/${id}' does not exist`,
  ]);
  expect(await refusal(ring.newDataKey(req("alias/none")))).toEqual([
    "KmsNotFound",
    "Alias arn:aws:kms:eu-west-1:000000000000:alias/none is not found.",
  ]);
  expect((await refusal(ring.newDataKey(req("junk"))))[1]).toBe("Invalid keyId junk");
});

test("the default key aws/s3 is made once, even by racing writers", async () => {
  const r = root();
  const master = createSseKeyring(r);
  const rings = [createKmsKeyring(r, master), createKmsKeyring(r, master), createKmsKeyring(r, master)];
  const made = await Promise.all(rings.map((ring) => ring.newDataKey(req())));
  expect(new Set(made.map((m) => m.record.K)).size).toBe(1);
  const keys = await listKmsKeys(r);
  expect(keys.map((k) => k.aliases)).toEqual([["alias/aws/s3"]]);
});

test("disable refuses writes and reads at once; rotation keeps old versions readable", async () => {
  const r = root();
  const master = createSseKeyring(r);
  const ring = createKmsKeyring(r, master);
  let key = await createKmsKey(r, master, { home, alias: "alias/x" });
  const first = await ring.newDataKey(req(key.id));
  key = await setKmsKeyEnabled(r, key, false);
  expect(await refusal(ring.newDataKey(req(key.id)))).toEqual(["KmsDisabled", `${key.arn} is disabled.`]);
  expect((await refusal(ring.recoverDataKey({ ...first.record, c: 65536 })))[0]).toBe("KmsDisabled");
  key = await setKmsKeyEnabled(r, key, true);
  key = await rotateKmsKey(r, master, key);
  const second = await ring.newDataKey(req("alias/x"));
  expect(second.record.V).toBe(2);
  expect(await ring.recoverDataKey({ ...first.record, c: 65536 })).toEqual(first.dataKey);
  expect((await readKmsKey(r, key.id))?.versions.map((v) => v.v)).toEqual([2, 1]);
  expect((await findKmsKey(r, "x"))?.id).toBe(key.id);
  expect((await findKmsKey(r, key.arn))?.id).toBe(key.id);
});
