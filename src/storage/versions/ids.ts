/**
 * Version ids: 29 characters of [0-9a-z], URL-safe and fixed-width, so that sorting ids sorts
 * versions by creation. An id is `<ms since epoch, 9 base-36 digits><sequence, 4><writer id, 16>`:
 * the writer id (../layout/temp-names.ts) tells processes apart without any coordination, the
 * sequence tells apart ids of one process within one millisecond, and a process never hands out
 * an id lower than one it handed out before (clocks that step back do not reorder its ids).
 *
 * `null` is the version id of objects written while a bucket was unversioned or suspended.
 * A file the server did not write (or that was changed behind its back) gets a derived id: the
 * same shape, from its mtime, inode and size, so every host derives the same id without writing.
 */
import type { BigStats } from "../../runtime/fs-ops.ts";
import { createHasher } from "../../runtime/hasher.ts";
import { writerId } from "../layout/temp-names.ts";

export const NULL_VERSION = "null";
export const VERSION_ID_LENGTH = 29;
const TIME_DIGITS = 9;
const SEQ_DIGITS = 4;
const SEQ_LIMIT = 36 ** SEQ_DIGITS;
const PREFIX = TIME_DIGITS + SEQ_DIGITS;
const ID = /^[0-9a-z]{29}$/;
const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

let lastTime = 0;
let lastSeq = -1;

const pad = (n: number, width: number) => n.toString(36).padStart(width, "0");

/** True for a string shaped like an id this store makes (not "null"). */
export function isVersionId(id: string): boolean {
  return ID.test(id);
}

/** The creation time an id carries (ms since epoch). */
export function versionTime(id: string): number {
  return Number.parseInt(id.slice(0, TIME_DIGITS), 36);
}

/**
 * A fresh id, greater than every id this process made before and greater than `after` (the id
 * of the version it replaces, so that a key's versions sort in the order they were written
 * even when another host's clock is ahead).
 */
export function newVersionId(after?: string): string {
  const now = Math.max(Date.now(), lastTime);
  const [time, seq] = above(now, now === lastTime ? lastSeq + 1 : 0, after);
  lastTime = time;
  lastSeq = seq;
  return `${pad(time, TIME_DIGITS)}${pad(seq, SEQ_DIGITS)}${writerId}`;
}

/**
 * An id that sorts a version made at `ms` (its mtime) among ids, above `after` when given:
 * the place in a key's history of a version whose public id is `null`.
 */
export function versionIdAt(ms: number, after?: string): string {
  const [time, seq] = above(Math.max(0, Math.floor(ms)), 0, after);
  return `${pad(time, TIME_DIGITS)}${pad(seq, SEQ_DIGITS)}${writerId}`;
}

function above(time: number, seq: number, after: string | undefined): [number, number] {
  if (
    after &&
    isVersionId(after) &&
    `${pad(time, TIME_DIGITS)}${pad(seq, SEQ_DIGITS)}` <= after.slice(0, PREFIX)
  ) {
    time = versionTime(after);
    seq = Number.parseInt(after.slice(TIME_DIGITS, PREFIX), 36) + 1;
  }
  return seq >= SEQ_LIMIT ? [time + 1, 0] : [time, seq];
}

/** The id of a file version the server did not write, derived from its identity. */
export function derivedVersionId(st: BigStats): string {
  const h = createHasher("sha256");
  h.update(`${st.ino}:${st.mtimeNs}:${st.size}`);
  const bytes = h.digest();
  let tail = "";
  for (let i = 0; i < VERSION_ID_LENGTH - TIME_DIGITS; i++) tail += alphabet[bytes[i]! % 36];
  return `${pad(Number(st.mtimeNs / 1_000_000n), TIME_DIGITS)}${tail}`;
}
