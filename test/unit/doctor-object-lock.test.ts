import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import {
  checkObjectLockProtection,
  describeLockProtection,
  probeLockProtection,
} from "../../src/doctor/object-lock-check.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test("as root on a filesystem with the immutable flag, locked bytes are fully protected", () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/s3dir-doctor-lock-`);
  dirs.push(dir);
  expect(process.geteuid?.()).toBe(0);
  expect(probeLockProtection(dir)).toEqual({
    immutable: "ok",
    chmod: true,
    capImmutable: true,
    capChown: true,
  });
  const result = checkObjectLockProtection(dir);
  expect(result.status).toBe("ok");
  expect(result.detail).toContain("immutable");
  // The probe leaves nothing immutable behind.
  fs.rmSync(dir, { recursive: true });
  expect(fs.existsSync(dir)).toBe(false);
});

test("without the flag or the privilege, the check says what POSIX users can still do and how to fix it", () => {
  const denied = describeLockProtection({
    immutable: "denied",
    chmod: true,
    capImmutable: false,
    capChown: false,
  });
  expect(denied.status).toBe("warn");
  expect(denied.detail).toContain("unlink or replace");
  expect(denied.detail).toContain("CAP_CHOWN");
  expect(denied.fix).toContain("CAP_LINUX_IMMUTABLE");
  const unsupported = describeLockProtection({
    immutable: "unsupported",
    chmod: true,
    capImmutable: true,
    capChown: true,
  });
  expect(unsupported.status).toBe("warn");
  expect(unsupported.fix).toContain("ext4");
  const noChmod = describeLockProtection({
    immutable: "unsupported",
    chmod: false,
    capImmutable: true,
    capChown: true,
  });
  expect(noChmod.status).toBe("warn");
  expect(noChmod.detail).toContain("0444");
});
