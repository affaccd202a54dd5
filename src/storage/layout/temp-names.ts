/**
 * Names of staging files: unique across hosts without coordination, and carrying the id of the
 * process that made them (`<prefix>-<writer id>-<time>-<random>`), so that any host can tell
 * whether what it finds in a staging area belongs to a live process (see ../sweeps/writer-lease.ts).
 */
const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
const WRITER_ID = /^[0-9a-z]{16}$/;
const NAME = /^[a-z]+-([0-9a-z]{16})-[0-9a-z]+-[0-9a-z]{16}$/;

function randomChars(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let s = "";
  for (const b of bytes) s += alphabet[b % 36];
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
