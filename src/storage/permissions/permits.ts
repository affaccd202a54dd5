/**
 * The kernel's permission decision for one inode (fs/namei.c generic_permission and
 * acl_permission_check, fs/posix_acl.c posix_acl_permission; acl(5)), for an S3 caller's POSIX
 * identity as an NFS server with AUTH_SYS would apply it: pure, from the inode's mode, owner,
 * group and access ACL.
 */
import {
  ACL_GROUP,
  ACL_GROUP_OBJ,
  ACL_MASK,
  ACL_OTHER,
  ACL_USER,
  ACL_USER_OBJ,
  type AclEntry,
} from "./acl.ts";

export const MAY_READ = 4;
export const MAY_WRITE = 2;
export const MAY_EXEC = 1;

/** Who asks: a uid and every group it is in (its primary gid and supplementary groups). */
export interface PosixIdentity {
  uid: number;
  gids: readonly number[];
}

/** What the decision reads of an inode (a stat). */
export interface InodeFacts {
  mode: number;
  uid: number;
  gid: number;
  isDirectory: boolean;
}

const S_IRWXG = 0o070;
const S_IXUGO = 0o111;
const S_ISVTX = 0o1000;

/** True when who may access the inode for want (a sum of MAY_*), with acl its access ACL if any. */
export function permits(
  inode: InodeFacts,
  acl: readonly AclEntry[] | undefined,
  who: PosixIdentity,
  want: number,
): boolean {
  if (permissionCheck(inode, acl, who, want & 7)) return true;
  if (who.uid !== 0) return false;
  // uid 0: CAP_DAC_READ_SEARCH and CAP_DAC_OVERRIDE.
  if (inode.isDirectory) return true;
  return (want & MAY_EXEC) === 0 || (inode.mode & S_IXUGO) !== 0;
}

function permissionCheck(
  inode: InodeFacts,
  acl: readonly AclEntry[] | undefined,
  who: PosixIdentity,
  want: number,
): boolean {
  let mode = inode.mode;
  if (inode.uid === who.uid) return (want & ~(mode >> 6) & 7) === 0;
  if (acl && (mode & S_IRWXG) !== 0) return aclPermits(inode, acl, who, want);
  if (want & (mode ^ (mode >> 3)) && who.gids.includes(inode.gid)) mode >>= 3;
  return (want & ~mode & 7) === 0;
}

/** posix_acl_permission: entries in their stored order (sorted by tag), the mask after them. */
function aclPermits(inode: InodeFacts, acl: readonly AclEntry[], who: PosixIdentity, want: number): boolean {
  const masked = (i: number) => {
    const mask = acl.slice(i + 1).find((e) => e.tag === ACL_MASK);
    const perm = mask ? acl[i]!.perm & mask.perm : acl[i]!.perm;
    return (perm & want) === want;
  };
  let found = false;
  for (let i = 0; i < acl.length; i++) {
    const e = acl[i]!;
    switch (e.tag) {
      case ACL_USER_OBJ:
        if (inode.uid === who.uid) return (e.perm & want) === want;
        break;
      case ACL_USER:
        if (e.id === who.uid) return masked(i);
        break;
      case ACL_GROUP_OBJ:
      case ACL_GROUP:
        if (who.gids.includes(e.tag === ACL_GROUP_OBJ ? inode.gid : e.id)) {
          found = true;
          if ((e.perm & want) === want) return masked(i);
        }
        break;
      case ACL_MASK:
        break;
      case ACL_OTHER:
        if (found) return false;
        return (e.perm & want) === want;
    }
  }
  return false;
}

/**
 * The sticky-bit rule for removing or replacing an entry (fs/namei.c check_sticky): in a
 * directory with S_ISVTX only the entry's owner, the directory's owner or uid 0 (CAP_FOWNER).
 */
export function stickyAllows(dir: InodeFacts, entryUid: number, who: PosixIdentity): boolean {
  if ((dir.mode & S_ISVTX) === 0) return true;
  return who.uid === entryUid || who.uid === dir.uid || who.uid === 0;
}

/** "read (r)", "write and search (wx)"… for messages. */
export function describeWant(want: number, isDirectory: boolean): string {
  const words: string[] = [];
  let letters = "";
  if (want & MAY_READ) {
    words.push("read");
    letters += "r";
  }
  if (want & MAY_WRITE) {
    words.push("write");
    letters += "w";
  }
  if (want & MAY_EXEC) {
    words.push(isDirectory ? "search" : "execute");
    letters += "x";
  }
  return `${words.join(" and ")} (${letters})`;
}
