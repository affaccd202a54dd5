import { StorageError } from "../../src/storage/errors.ts";

/** What a storage call came to: "ok", or the code of the StorageError it threw (other errors rethrown). */
export async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof StorageError) return e.code;
    throw e;
  }
}
