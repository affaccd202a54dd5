import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSpoolAdoption } from "../../src/audit/spool-adoption.ts";
import type { WebhookSettings } from "../../src/audit/webhook-settings.ts";

const root = mkdtempSync(join(tmpdir(), "s3dir-adoption-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const settings: WebhookSettings = {
  enabled: true,
  url: "http://127.0.0.1:9/",
  format: "json",
  batchSize: 10,
} as WebhookSettings;

test("a spool without its lock file (another host is removing it) is left alone, and no lock file is made", async () => {
  const spools = join(root, "spool");
  const vanishing = join(spools, "delivered-elsewhere");
  mkdirSync(vanishing, { recursive: true });
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(vanishing, old, old);
  const scanned = Promise.withResolvers<void>();
  const adoption = startSpoolAdoption({
    spools,
    own: join(spools, "me"),
    settings: () => settings,
    callbacks: { delivered() {}, failed() {}, log() {} },
    orphanAfterMs: 1000,
    intervalMs: 60_000,
    scanned: scanned.resolve,
  });
  await scanned.promise;
  await adoption.close();
  expect(adoption.adopted()).toBe(0);
  expect(existsSync(join(vanishing, "lock"))).toBe(false);
});
