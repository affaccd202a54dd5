/**
 * A worker of fs-threads.ts: runs the synchronous calls that Node's fs has no async form of
 * (openat2, getxattr, a small file's whole publish), which block for a round trip on a network filesystem, away from the
 * event loop. Requests are answered in order; descriptors belong to the whole process.
 */
import { type NewFileIdentity, type NewFileJob, runNewFileJob } from "./new-file-job.ts";
import { openBeneath } from "./open-beneath.ts";
import { fGetXattr, lGetXattr } from "./xattr.ts";

declare const self: Worker;

export type FsRequest =
  | { id: number; op: "openBeneath"; dirFd: number; relative: string; flags: number }
  | { id: number; op: "lgetxattr"; path: string; name: string }
  | { id: number; op: "fgetxattr"; fd: number; name: string }
  | { id: number; op: "newFile"; job: NewFileJob };

export type FsValue = number | Uint8Array | NewFileIdentity | undefined;

export type FsReply =
  /** value: a descriptor (openBeneath), the attribute (getxattr), the new file's identity (newFile); undefined: none / unavailable. */
  | { id: number; value: FsValue }
  | {
      id: number;
      error: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
    };

function run(req: FsRequest): FsValue {
  switch (req.op) {
    case "openBeneath":
      return openBeneath(req.dirFd, req.relative, req.flags);
    case "lgetxattr":
      return lGetXattr(req.path, req.name);
    case "fgetxattr":
      return fGetXattr(req.fd, req.name);
    case "newFile":
      return runNewFileJob(req.job);
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
