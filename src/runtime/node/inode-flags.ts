/** The Node twin of ../inode-flags.ts: the same ioctls through koffi. */
import koffi from "koffi";
import { errnoError } from "./libc.ts";

const ioctl = koffi.load("libc.so.6").func("int ioctl(int fd, unsigned long request, void *arg)");

const FS_IOC_GETFLAGS = 0x80086601;
const FS_IOC_SETFLAGS = 0x40086602;
export const FS_IMMUTABLE_FL = 0x10;

export function getInodeFlags(fd: number): number {
  const buf = new Int32Array(2);
  if (ioctl(fd, FS_IOC_GETFLAGS, buf) !== 0) throw errnoError("ioctl(FS_IOC_GETFLAGS)");
  return buf[0]!;
}

export function setInodeFlags(fd: number, flags: number): void {
  const buf = new Int32Array([flags, 0]);
  if (ioctl(fd, FS_IOC_SETFLAGS, buf) !== 0) throw errnoError("ioctl(FS_IOC_SETFLAGS)");
}
