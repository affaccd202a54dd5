/**
 * The immutable inode flag (FS_IMMUTABLE_FL, `chattr +i`) through ioctl(FS_IOC_GETFLAGS /
 * FS_IOC_SETFLAGS), reached through bun:ffi. An immutable file cannot be written, renamed,
 * unlinked, linked or have its attributes changed by anyone, root included, until the flag is
 * cleared; setting or clearing it needs CAP_LINUX_IMMUTABLE. ext4, xfs, btrfs and tmpfs have
 * it; most network filesystems do not (ENOTTY, EOPNOTSUPP).
 */
import { dlopen, FFIType } from "bun:ffi";
import { errnoError } from "./libc.ts";

const { i32, u64, ptr } = FFIType;

const lib = dlopen("libc.so.6", {
  ioctl: { args: [i32, u64, ptr], returns: i32 },
});

const FS_IOC_GETFLAGS = 0x80086601;
const FS_IOC_SETFLAGS = 0x40086602;
export const FS_IMMUTABLE_FL = 0x10;

/** The file's inode flags (the kernel reads and writes an int). */
export function getInodeFlags(fd: number): number {
  const buf = new Int32Array(2);
  if (lib.symbols.ioctl(fd, FS_IOC_GETFLAGS, buf) !== 0) throw errnoError("ioctl(FS_IOC_GETFLAGS)");
  return buf[0]!;
}

export function setInodeFlags(fd: number, flags: number): void {
  const buf = new Int32Array([flags, 0]);
  if (lib.symbols.ioctl(fd, FS_IOC_SETFLAGS, buf) !== 0) throw errnoError("ioctl(FS_IOC_SETFLAGS)");
}
