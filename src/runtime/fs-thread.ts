/**
 * A worker of fs-threads.ts: runs the synchronous calls that Node's fs has no async form of
 * (openat2, getxattr, setxattr), which block for a round trip on a network filesystem, away from the
 * event loop. Requests are answered in order; descriptors belong to the whole process.
 */
import { openBeneath } from "./open-beneath.ts";
import { fGetXattr, fSetXattr, lGetXattr } from "./xattr.ts";

declare const self: Worker;

export type FsRequest =
  | { id: number; op: "openBeneath"; dirFd: number; relative: string; flags: number }
  | { id: number; op: "lgetxattr"; path: string; name: string }
  | { id: number; op: "fgetxattr"; fd: number; name: string }
  | { id: number; op: "fsetxattr"; fd: number; name: string; value: Uint8Array };

export type FsReply =
  /** value: a descriptor (openBeneath), the attribute (getxattr); undefined: none / unavailable / set. */
  | { id: number; value: number | Uint8Array | undefined }
  | {
      id: number;
      error: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
    };

function run(req: FsRequest): number | Uint8Array | undefined {
  switch (req.op) {
    case "openBeneath":
      return openBeneath(req.dirFd, req.relative, req.flags);
    case "lgetxattr":
      return lGetXattr(req.path, req.name);
    case "fgetxattr":
      return fGetXattr(req.fd, req.name);
    case "fsetxattr":
      fSetXattr(req.fd, req.name, req.value);
      return undefined;
  }
}

self.onmessage = (event: MessageEvent<FsRequest>) => {
  const req = event.data;
  let reply: FsReply;
  try {
    reply = { id: req.id, value: run(req) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    reply = {
      id: req.id,
      error: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, path: err.path },
    };
  }
  self.postMessage(reply);
};
