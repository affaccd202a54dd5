/** The groups of a uid from the system (getpwuid_r + getgrouplist), Bun and Node twins alike. */
import { describe, expect, test } from "bun:test";
import * as bun from "../../src/runtime/group-list.ts";
import * as node from "../../src/runtime/node/group-list.ts";

function run(...cmd: string[]): string {
  return Bun.spawnSync(cmd, { stdout: "pipe" }).stdout.toString().trim();
}

for (const [name, impl] of [
  ["bun:ffi", bun],
  ["koffi", node],
] as const) {
  describe(name, () => {
    test("the user name of uid 0 and of the current uid, as id(1) says", () => {
      expect(impl.userNameOf(0)).toBe("root");
      expect(impl.userNameOf(process.getuid!())).toBe(run("id", "-un"));
    });

    test("groups of the current user: the given gid first, then those id -G lists", () => {
      const uid = process.getuid!();
      const gid = process.getgid!();
      const expected = run("id", "-G", run("id", "-un")).split(" ").map(Number);
      const groups = impl.groupList(uid, gid);
      expect(groups[0]).toBe(gid);
      expect([...groups].sort((a, b) => a - b)).toEqual(
        [...new Set([gid, ...expected])].sort((a, b) => a - b),
      );
    });

    test("a uid without a passwd entry is in its given gid alone", () => {
      expect(impl.userNameOf(3_999_999_999)).toBeUndefined();
      expect(impl.groupList(3_999_999_999, 4242)).toEqual([4242]);
    });
  });
}
