/** The Node twin of ../group-list.ts: getpwuid_r and getgrouplist through koffi. */
import koffi from "koffi";

const lib = koffi.load("libc.so.6");
const getpwuid_r = lib.func(
  "int getpwuid_r(uint32_t uid, _Out_ uint8_t *pwd, _Out_ uint8_t *buf, size_t buflen, _Out_ void **result)",
);
const getgrouplist = lib.func(
  "int getgrouplist(const char *user, uint32_t group, _Out_ uint32_t *groups, _Inout_ int *ngroups)",
);

const ERANGE = 34;

export function userNameOf(uid: number): string | undefined {
  for (let size = 1024; size <= 1 << 20; size *= 4) {
    const pwd = Buffer.alloc(48);
    const buf = Buffer.alloc(size);
    const result = [null] as unknown[];
    const rc = getpwuid_r(uid, pwd, buf, size, result);
    if (rc === ERANGE) continue;
    if (rc !== 0 || result[0] === null) return undefined;
    // pw_name points into buf: its offset there locates the name.
    const at = Number(pwd.readBigUInt64LE(0) - BigInt(koffi.address(buf)));
    const end = buf.indexOf(0, at);
    return buf.toString("utf8", at, end);
  }
  return undefined;
}

export function groupList(uid: number, gid: number): number[] {
  const name = userNameOf(uid);
  if (name === undefined) return [gid];
  let capacity = 64;
  for (;;) {
    const groups = new Uint32Array(capacity);
    const count = [capacity];
    const rc = getgrouplist(name, gid, groups, count);
    if (rc >= 0) return [...new Set([gid, ...groups.subarray(0, count[0])])];
    capacity = count[0]! > capacity ? count[0]! : capacity * 2;
  }
}
