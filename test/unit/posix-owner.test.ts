import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as v from "valibot";
import { posixOwnerFromOptions } from "../../src/cli/posix-owner-options.ts";
import { checkChown } from "../../src/doctor/chown-check.ts";
import { userRecordSchema } from "../../src/iam/iam-records.ts";

describe("--posix-uid / --posix-gid / --no-posix", () => {
  test("both together make an owner", () => {
    expect(posixOwnerFromOptions({ "posix-uid": "1000", "posix-gid": "100" })).toEqual({
      uid: 1000,
      gid: 100,
    });
    expect(posixOwnerFromOptions({ "posix-uid": "0", "posix-gid": "4294967294" })).toEqual({
      uid: 0,
      gid: 4294967294,
    });
  });

  test("nothing given is undefined, --no-posix is null (clear)", () => {
    expect(posixOwnerFromOptions({})).toBeUndefined();
    expect(posixOwnerFromOptions({ "no-posix": "true" })).toBeNull();
  });

  test("refuses one without the other, bad numbers and --no-posix with an id", () => {
    expect(() => posixOwnerFromOptions({ "posix-uid": "1" })).toThrow("go together");
    expect(() => posixOwnerFromOptions({ "posix-gid": "1" })).toThrow("go together");
    for (const bad of ["-1", "1.5", "abc", "", "4294967295", "99999999999"]) {
      expect(() => posixOwnerFromOptions({ "posix-uid": bad, "posix-gid": "1" })).toThrow("--posix-uid");
    }
    expect(() => posixOwnerFromOptions({ "no-posix": "true", "posix-uid": "1" })).toThrow("cannot go with");
    expect(() => posixOwnerFromOptions({ "no-posix": "off" })).toThrow("takes no value");
  });
});

describe("the user record's posix owner", () => {
  const base = {
    name: "u",
    role: "s3",
    policies: [],
    inlinePolicies: {},
    accessKeys: [],
    created: "2026-01-01T00:00:00.000Z",
    version: 1,
  };

  test("is optional: records without it still read", () => {
    expect(v.parse(userRecordSchema, base).posix).toBeUndefined();
    expect(v.parse(userRecordSchema, { ...base, posix: { uid: 5, gid: 6 } }).posix).toEqual({
      uid: 5,
      gid: 6,
    });
  });

  test("holds only whole ids from 0 to 2^32-2, both of them", () => {
    for (const posix of [
      { uid: -1, gid: 0 },
      { uid: 1.5, gid: 0 },
      { uid: 4294967295, gid: 0 },
      { uid: 1 },
    ]) {
      expect(v.safeParse(userRecordSchema, { ...base, posix }).success).toBe(false);
    }
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test("doctor: as root, chown works and the probe leaves nothing behind", () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/s3dir-doctor-chown-`);
  dirs.push(dir);
  expect(process.geteuid?.()).toBe(0);
  expect(checkChown(dir).status).toBe("ok");
  expect(fs.readdirSync(dir)).toEqual([]);
});
