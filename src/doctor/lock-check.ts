import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tryLockExclusive, unlock } from "../runtime/file-lock.ts";
import { type CheckResult, fail, ok, warn } from "./check.ts";

/**
 * flock across processes: another process (util-linux `flock`) holds the lock, ours must be
 * refused, and granted once the holder exits. Conditional writes and IAM updates rely on it.
 */
export async function checkLocks(dir: string): Promise<CheckResult> {
  const name = "flock across processes";
  const file = join(dir, "lock");
  writeFileSync(file, "");
  // -o: only the flock process holds the lock (not the command), so it ends when flock exits;
  // the command waits on stdin, and closing stdin ends it.
  const holder = Bun.spawn(["flock", "-o", "-x", file, "-c", "echo held; exec cat >/dev/null"], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const release = async () => {
    await holder.stdin.end();
    const timer = setTimeout(() => holder.kill(), 2000);
    await holder.exited;
    clearTimeout(timer);
  };
  const reader = holder.stdout.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const first = await Promise.race([
    reader.read(),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), 3000);
    }),
  ]);
  clearTimeout(timer);
  if (!first || first.done) {
    await release();
    return warn(
      name,
      "could not start util-linux flock to hold a lock",
      "install util-linux to run this check",
    );
  }
  const fd = openSync(file, "r");
  try {
    if (tryLockExclusive(fd)) {
      unlock(fd);
      await release();
      return fail(
        name,
        "a lock held by another process was granted to this one",
        "mount with working locks (NFSv4, GlusterFS, CephFS); NFSv3 needs lockd, and 'nolock' mounts break If-Match writes",
      );
    }
    await release();
    const deadline = Date.now() + 3000;
    while (!tryLockExclusive(fd)) {
      if (Date.now() > deadline) {
        return fail(
          name,
          "the lock stayed taken after its holder exited",
          "locks must be released when their holder dies",
        );
      }
      await Bun.sleep(50);
    }
    unlock(fd);
    return ok(name, "a lock held by another process excludes this one and is freed when the holder exits");
  } catch (e) {
    await release();
    return fail(name, String(e), "the root must support flock(2)");
  } finally {
    closeSync(fd);
  }
}
