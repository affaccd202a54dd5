/** The ACL xattr parser and the kernel's permission decision (acl(5), path_resolution(7)). */
import { describe, expect, test } from "bun:test";
import {
  ACL_GROUP,
  ACL_GROUP_OBJ,
  ACL_MASK,
  ACL_OTHER,
  ACL_USER,
  ACL_USER_OBJ,
  type AclEntry,
  encodeAcl,
  parseAcl,
} from "../../src/storage/permissions/acl.ts";
import {
  describeWant,
  type InodeFacts,
  permits,
  MAY_READ as R,
  stickyAllows,
  MAY_WRITE as W,
  MAY_EXEC as X,
} from "../../src/storage/permissions/permits.ts";

const U = 0xffffffff;

describe("parseAcl", () => {
  test("reads the kernel's format (version 2, tag/perm/id little-endian)", () => {
    // getfattr -e hex -n system.posix_acl_access on a 0640 file after setfacl -m u:1001:r,m::r
    const hex =
      "02000000" +
      "01000600ffffffff" +
      "02000400e9030000" +
      "04000400ffffffff" +
      "10000400ffffffff" +
      "20000000ffffffff";
    const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => Number.parseInt(h, 16)));
    expect(parseAcl(bytes)).toEqual([
      { tag: ACL_USER_OBJ, perm: 6, id: U },
      { tag: ACL_USER, perm: 4, id: 1001 },
      { tag: ACL_GROUP_OBJ, perm: 4, id: U },
      { tag: ACL_MASK, perm: 4, id: U },
      { tag: ACL_OTHER, perm: 0, id: U },
    ]);
  });

  test("round-trips through encodeAcl", () => {
    const acl: AclEntry[] = [
      { tag: ACL_USER_OBJ, perm: 7, id: U },
      { tag: ACL_GROUP, perm: 5, id: 4000000000 },
      { tag: ACL_OTHER, perm: 1, id: U },
    ];
    expect(parseAcl(encodeAcl(acl))).toEqual(acl);
  });

  test("refuses other versions, torn entries and unknown tags", () => {
    const good = encodeAcl([{ tag: ACL_USER_OBJ, perm: 7, id: U }]);
    const v1 = good.slice();
    v1[0] = 1;
    expect(parseAcl(v1)).toBeUndefined();
    expect(parseAcl(good.slice(0, 10))).toBeUndefined();
    expect(parseAcl(new Uint8Array(2))).toBeUndefined();
    expect(parseAcl(encodeAcl([{ tag: 0x40, perm: 7, id: U }]))).toBeUndefined();
  });
});

const file = (mode: number, uid = 100, gid = 200): InodeFacts => ({ mode, uid, gid, isDirectory: false });
const dir = (mode: number, uid = 100, gid = 200): InodeFacts => ({ mode, uid, gid, isDirectory: true });
const who = (uid: number, ...gids: number[]) => ({ uid, gids });

/** user::rw- user:1001:rw- group::r-- group:300:rw- mask::r-- other::---, as the kernel keeps the mode's group bits = mask. */
const acl: AclEntry[] = [
  { tag: ACL_USER_OBJ, perm: 6, id: U },
  { tag: ACL_USER, perm: 6, id: 1001 },
  { tag: ACL_USER, perm: 0, id: 1003 },
  { tag: ACL_GROUP_OBJ, perm: 4, id: U },
  { tag: ACL_GROUP, perm: 6, id: 300 },
  { tag: ACL_GROUP, perm: 0, id: 301 },
  { tag: ACL_MASK, perm: 4, id: U },
  { tag: ACL_OTHER, perm: 1, id: U },
];
const aclFile = file(0o641);

describe("permits: mode bits", () => {
  const cases: [string, InodeFacts, ReturnType<typeof who>, number, boolean][] = [
    ["owner reads 0600", file(0o600), who(100, 200), R, true],
    ["owner may not execute 0600", file(0o600), who(100, 200), X, false],
    ["the owner class wins even when group has more (0047)", file(0o047), who(100, 200), R, false],
    ["group member reads 0640", file(0o640), who(101, 200), R, true],
    ["group through a supplementary gid", file(0o640), who(101, 7, 200), R, true],
    ["group may not write 0640", file(0o640), who(101, 200), W, false],
    ["the group class wins over other (0604)", file(0o604), who(101, 200), R, false],
    ["other reads 0604", file(0o604), who(102, 7), R, true],
    ["other gets nothing from 0660", file(0o660), who(102, 7), R, false],
    ["read and write need both bits", file(0o646), who(102), R | W, true],
    ["search on a 0711 directory by other", dir(0o711), who(102), X, true],
    ["list a 0711 directory by other", dir(0o711), who(102), R | X, false],
  ];
  for (const [name, inode, id, want, expected] of cases) {
    test(name, () => expect(permits(inode, undefined, id, want)).toBe(expected));
  }
});

describe("permits: access ACLs (acl(5) access check algorithm)", () => {
  const cases: [string, ReturnType<typeof who>, number, boolean][] = [
    ["owner: user:: entry (rw), no mask", who(100), R | W, true],
    ["named user: entry rw masked by r: read", who(1001), R, true],
    ["named user: entry rw masked by r: no write", who(1001), W, false],
    ["named user with no rights gets nothing, not other's x", who(1003), X, false],
    ["owning group: group:: r", who(500, 200), R, true],
    ["named group: rw masked: read", who(500, 300), R, true],
    ["named group: rw masked: no write", who(500, 300), W, false],
    ["a matching group entry without the bits denies (no fall through to other)", who(500, 301), X, false],
    ["any matching group entry that grants, grants", who(500, 301, 300), R, true],
    ["nobody matching: other (x)", who(500, 9), X, true],
    ["nobody matching: other has no r", who(500, 9), R, false],
  ];
  for (const [name, id, want, expected] of cases) {
    test(name, () => expect(permits(aclFile, acl, id, want)).toBe(expected));
  }

  test("a mask of --- (group bits 0) leaves the ACL unread, as the kernel does", () => {
    // acl_permission_check skips check_acl when the mode has no group bits: a named user
    // is then judged by the group and other bits.
    expect(permits(file(0o604), acl, who(1001), R)).toBe(true);
    expect(permits(file(0o600), acl, who(1001), R)).toBe(false);
  });

  test("without a mask entry (a three-entry ACL) a named group is unmasked", () => {
    const minimal: AclEntry[] = [
      { tag: ACL_USER_OBJ, perm: 6, id: U },
      { tag: ACL_GROUP_OBJ, perm: 6, id: U },
      { tag: ACL_OTHER, perm: 0, id: U },
    ];
    expect(permits(file(0o660), minimal, who(9, 200), W)).toBe(true);
  });
});

describe("permits: uid 0", () => {
  test("reads and writes anything, searches any directory", () => {
    expect(permits(file(0o000), undefined, who(0), R | W)).toBe(true);
    expect(permits(dir(0o000), undefined, who(0), R | W | X)).toBe(true);
    expect(permits(file(0o000), acl, who(0), R)).toBe(true);
  });
  test("executes a file only when some x bit is set", () => {
    expect(permits(file(0o600), undefined, who(0), X)).toBe(false);
    expect(permits(file(0o601), undefined, who(0), X)).toBe(true);
  });
});

describe("stickyAllows", () => {
  const sticky = dir(0o1777, 100);
  test("in a sticky directory: the entry's owner, the directory's owner, uid 0", () => {
    expect(stickyAllows(sticky, 555, who(555))).toBe(true);
    expect(stickyAllows(sticky, 555, who(100))).toBe(true);
    expect(stickyAllows(sticky, 555, who(0))).toBe(true);
    expect(stickyAllows(sticky, 555, who(556))).toBe(false);
  });
  test("anyone with write access otherwise", () => {
    expect(stickyAllows(dir(0o777, 100), 555, who(556))).toBe(true);
  });
});

test("describeWant names the letters", () => {
  expect(describeWant(R, false)).toBe("read (r)");
  expect(describeWant(W | X, true)).toBe("write and search (wx)");
  expect(describeWant(R | X, true)).toBe("read and search (rx)");
});
