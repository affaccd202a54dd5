/**
 * POSIX access ACLs as Linux stores them in the `system.posix_acl_access` extended attribute
 * (include/uapi/linux/posix_acl_xattr.h): a little-endian u32 version (2), then 8-byte
 * entries of u16 tag, u16 perm (rwx bits), u32 id, sorted by tag then id.
 */

export const ACL_XATTR = "system.posix_acl_access";
const ACL_VERSION = 2;

export const ACL_USER_OBJ = 0x01;
export const ACL_USER = 0x02;
export const ACL_GROUP_OBJ = 0x04;
export const ACL_GROUP = 0x08;
export const ACL_MASK = 0x10;
export const ACL_OTHER = 0x20;

const TAGS = new Set([ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_MASK, ACL_OTHER]);

export interface AclEntry {
  tag: number;
  /** r = 4, w = 2, x = 1. */
  perm: number;
  /** uid for ACL_USER, gid for ACL_GROUP; unused (0xffffffff) for the others. */
  id: number;
}

/** The entries of an access ACL xattr; undefined when the value is not a version 2 ACL. */
export function parseAcl(value: Uint8Array): AclEntry[] | undefined {
  if (value.length < 4 || (value.length - 4) % 8 !== 0) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  if (view.getUint32(0, true) !== ACL_VERSION) return undefined;
  const entries: AclEntry[] = [];
  for (let at = 4; at < value.length; at += 8) {
    const tag = view.getUint16(at, true);
    if (!TAGS.has(tag)) return undefined;
    entries.push({ tag, perm: view.getUint16(at + 2, true) & 7, id: view.getUint32(at + 4, true) });
  }
  return entries;
}

/** The xattr value of entries (for tests and tools; the kernel writes the real ones). */
export function encodeAcl(entries: readonly AclEntry[]): Uint8Array {
  const out = new Uint8Array(4 + entries.length * 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, ACL_VERSION, true);
  entries.forEach((e, i) => {
    view.setUint16(4 + i * 8, e.tag, true);
    view.setUint16(6 + i * 8, e.perm, true);
    view.setUint32(8 + i * 8, e.id >>> 0, true);
  });
  return out;
}
