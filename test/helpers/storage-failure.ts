import { StorageError } from "../../src/storage/index.ts";

/** Awaits a storage call that must fail with a StorageError and returns it. */
export async function storageFailure(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StorageError) return e;
    throw e;
  }
  throw new Error("expected a StorageError");
}
