/**
 * The groups a uid is in, as the system knows them: getpwuid_r for its user name, then
 * getgrouplist(3) (glibc, NSS: /etc/group, LDAP…), reached through bun:ffi. A uid without a
 * passwd entry is only in its mapped gid. The calls may block on NSS: callers cache the result.
 */
import { CString, dlopen, FFIType, type Pointer } from "bun:ffi";

const { i32, u32, u64, ptr } = FFIType;

const lib = dlopen("libc.so.6", {
  getpwuid_r: { args: [u32, ptr, ptr, u64, ptr], returns: i32 },
  getgrouplist: { args: [ptr, u32, ptr, ptr], returns: i32 },
});

const ERANGE = 34;
/** struct passwd is 48 bytes on 64-bit glibc; pw_name is its first field. */
const passwd = new BigUint64Array(8);

/** The user name of uid, undefined when the system has none. */
export function userNameOf(uid: number): string | undefined {
  for (let size = 1024; size <= 1 << 20; size *= 4) {
    const buf = new Uint8Array(size);
    const result = new BigUint64Array(1);
    const rc = lib.symbols.getpwuid_r(uid, passwd, buf, size, result);
    if (rc === ERANGE) continue;
    if (rc !== 0 || result[0] === 0n) return undefined;
    const name = Number(passwd[0]);
    return name ? new CString(name as Pointer).toString() : undefined;
  }
  return undefined;
}

/** gid first, then the supplementary groups of uid's user (without repeats). */
export function groupList(uid: number, gid: number): number[] {
  const name = userNameOf(uid);
  if (name === undefined) return [gid];
  const cname = Buffer.from(`${name}\0`, "utf8");
  let capacity = 64;
  for (;;) {
    const groups = new Uint32Array(capacity);
    const count = new Int32Array([capacity]);
    const rc = lib.symbols.getgrouplist(cname, gid, groups, count);
    if (rc >= 0) return [...new Set([gid, ...groups.subarray(0, count[0])])];
    if (count[0]! <= capacity) capacity *= 2;
    else capacity = count[0]!;
  }
}
