import { mkdir, open, readFile, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import * as v from "valibot";
import { lockExclusive, unlock } from "../runtime/file-lock.ts";
import { createOnce, replaceAtomically } from "../runtime/shared-file.ts";
import type { Versioned } from "./iam-records.ts";

/** A change refused because the entity is not at the version the change was based on. */
export class VersionConflictError extends Error {
  override name = "VersionConflictError";
}

/** Reads and validates one entity file; undefined when it does not exist. */
export async function readEntity<S extends v.GenericSchema>(
  file: string,
  schema: S,
): Promise<v.InferOutput<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const result = v.safeParse(schema, JSON.parse(text));
  if (!result.success) throw new Error(`${file}: ${result.issues[0].message}`);
  return result.output;
}

function recordText(record: unknown): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** Publishes version 1 of a new entity; createOnce lets exactly one of racing creators win. */
export async function createEntity(file: string, record: Versioned): Promise<void> {
  if (record.version !== 1) throw new Error("a new entity starts at version 1");
  if (!(await createOnce(file, recordText(record)))) {
    throw new VersionConflictError(`${record.name} already exists`);
  }
}

/**
 * Runs fn while holding the entity's lock file (flock, cluster-wide on the shared filesystem),
 * after checking that the entity is still at expectedVersion.
 */
async function underLock<S extends v.GenericSchema, T>(
  file: string,
  schema: S,
  expectedVersion: number,
  fn: () => Promise<T>,
): Promise<T> {
  const lockFile = join(dirname(file), ".locks", `${basename(file)}.lock`);
  await mkdir(dirname(lockFile), { recursive: true, mode: 0o700 });
  const handle = await open(lockFile, "a", 0o600);
  try {
    if (!(await lockExclusive(handle.fd, 10_000))) throw new Error(`timed out waiting for ${lockFile}`);
    try {
      const current = (await readEntity(file, schema)) as Versioned | undefined;
      if (!current) throw new VersionConflictError(`${basename(file, ".json")} no longer exists`);
      if (current.version !== expectedVersion) {
        throw new VersionConflictError(
          `${current.name} changed concurrently (version ${current.version}, expected ${expectedVersion}); retry`,
        );
      }
      return await fn();
    } finally {
      unlock(handle.fd);
    }
  } finally {
    await handle.close();
  }
}

/** Replaces version N of an entity with next (version N+1), refusing if the file is no longer at N. */
export async function replaceEntity<S extends v.GenericSchema>(
  file: string,
  schema: S,
  next: v.InferOutput<S> & Versioned,
): Promise<void> {
  await underLock(file, schema, next.version - 1, async () => {
    await replaceAtomically(file, recordText(next));
  });
}

/** Removes an entity that is still at expectedVersion. */
export async function removeEntity<S extends v.GenericSchema>(
  file: string,
  schema: S,
  expectedVersion: number,
): Promise<void> {
  await underLock(file, schema, expectedVersion, () => unlink(file));
}
