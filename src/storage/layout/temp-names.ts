/**
 * Names of staging files: unique across hosts without coordination, and carrying the id of the
 * process that made them (`<prefix>-<writer id>-<time>-<random>`), so that any host can tell
 * whether what it finds in a staging area belongs to a live process (see ../sweeps/writer-lease.ts).
 */
const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
const WRITER_ID = /^[0-9a-z]{16}$/;
const NAME = /^[a-z]+-([0-9a-z]{16})-[0-9a-z]+-[0-9a-z]{16}$/;

/** Random bytes drawn a block at a time: one getRandomValues call per 256 names, not per name. */
const randomPool = new Uint8Array(4096);
let poolAt = randomPool.length;

function randomChars(n: number): string {
  if (poolAt + n > randomPool.length) {
    crypto.getRandomValues(randomPool);
    poolAt = 0;
  }
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[(randomPool[poolAt + i] as number) % 36];
  poolAt += n;
  return s;
}

/** This process's writer id (80 random bits): one per process, shared by its stores. */
export const writerId = randomChars(16);

export function isWriterId(id: string): boolean {
  return WRITER_ID.test(id);
}

export function randomName(prefix: string): string {
  return `${prefix}-${writerId}-${Date.now().toString(36)}-${randomChars(16)}`;
}

/** The writer id in a name made by randomName; undefined for any other name (older ones too). */
export function writerOf(name: string): string | undefined {
  return NAME.exec(name)?.[1];
}
