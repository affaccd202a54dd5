/**
 * Which writers are alive, cluster-wide. Every process that writes into a root holds an flock
 * on its lease file `<root>/.s3dir/writers/<writer id>` for as long as it runs: flock is
 * cluster-wide on the filesystems we support and freed when the holder or its host dies. Staging
 * files and Complete claims carry the writer id in their names (../layout/temp-names.ts), so any host can
 * tell a live writer's work, never to be touched, from a dead writer's leftovers, which it may
 * remove or roll back.
 *
 * A lease is made under a name no checker looks at, locked, then renamed into place, so a checker
 * never finds an unlocked lease of a live writer. A checker that takes the lock of a lease knows
 * its writer is dead and removes the lease; a writer whose lease is missing is dead too. Where
 * flock is not supported, no writer can be told dead and nothing is removed by this rule.
 */
import { hostname } from "node:os";
import { tryLockExclusive } from "../../runtime/file-lock.ts";
import { errCode, type FsOps, O_RDWR } from "../../runtime/fs-ops.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import type { Layout } from "../layout/paths.ts";
import { isWriterId, writerId } from "../layout/temp-names.ts";

const done = [() => true, () => false] as const;

function leaseDir(layout: Layout): string {
  return `${layout.systemDir()}/writers`;
}

/** Leases this process holds, by lease path: one per root however many stores serve it. */
const held = new Map<string, { fd: Promise<number>; refs: number }>();

/** Takes (or shares) this process's lease on the root; returns its release. */
export async function acquireWriterLease(ops: FsOps, layout: Layout): Promise<() => Promise<void>> {
  const path = `${leaseDir(layout)}/${writerId}`;
  let lease = held.get(path);
  if (!lease) {
    lease = { fd: makeLease(ops, layout), refs: 0 };
    held.set(path, lease);
  }
  const taken = lease;
  taken.refs++;
  const drop = () => --taken.refs === 0 && held.get(path) === taken && held.delete(path);
  try {
    await taken.fd;
  } catch (e) {
    drop();
    throw e;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (!drop()) return;
    await ops.unlink(path).catch(() => {});
    await ops.close(await taken.fd).catch(() => {});
  };
}

async function makeLease(ops: FsOps, layout: Layout): Promise<number> {
  const dir = leaseDir(layout);
  await mkdirs(ops, dir, 0o700);
  const making = `${dir}/.${writerId}.new`;
  const owner = { host: hostname(), pid: process.pid, started: new Date().toISOString() };
  await ops.writeNewFile(making, new TextEncoder().encode(`${JSON.stringify(owner)}\n`));
  const fd = await ops.open(making, O_RDWR);
  try {
    try {
      tryLockExclusive(fd);
    } catch {
      // No flock here: the lease still names the writer, and no checker will call it dead.
    }
    await ops.rename(making, `${dir}/${writerId}`);
    return fd;
  } catch (e) {
    await ops.close(fd).catch(() => {});
    await ops.unlink(making).catch(() => {});
    throw e;
  }
}

/**
 * Answers "is this writer alive?", each writer looked up once per instance (one sweep, one
 * recovery). Unknown ids, ids that are not ours and hold a lock, and anything that cannot be
 * checked count as alive.
 */
export class WriterLiveness {
  private readonly known = new Map<string, Promise<boolean>>();
  /** Leases of dead writers this instance removed. */
  leasesRemoved = 0;

  constructor(
    private readonly ops: FsOps,
    private readonly layout: Layout,
  ) {}

  alive(id: string): Promise<boolean> {
    let answer = this.known.get(id);
    if (!answer) {
      answer = this.check(id);
      this.known.set(id, answer);
    }
    return answer;
  }

  private async check(id: string): Promise<boolean> {
    if (id === writerId) return true;
    if (!isWriterId(id)) return true;
    const path = `${leaseDir(this.layout)}/${id}`;
    let fd: number;
    try {
      fd = await this.ops.open(path, O_RDWR);
    } catch (e) {
      return errCode(e) !== "ENOENT";
    }
    try {
      if (!tryLockExclusive(fd)) return true;
    } catch {
      await this.ops.close(fd).catch(() => {});
      return true;
    }
    if (await this.ops.unlink(path).then(...done)) this.leasesRemoved++;
    await this.ops.close(fd).catch(() => {});
    return false;
  }

  /** Removes the leases of dead writers not looked up yet (checking a dead writer removes its lease). */
  async removeDeadLeases(): Promise<void> {
    const names = await this.ops.readdir(leaseDir(this.layout)).catch(() => []);
    for (const d of names) if (isWriterId(d.name)) await this.alive(d.name);
  }
}
