/**
 * CPU time of the request pipeline of a small PUT alone: put-inprocess.ts with storage's
 * putObject of a small body replaced by reading the body whole, hashing it with MD5 and
 * answering, so what is measured is everything around the file work (Request objects, routing,
 * authentication, authorization, the handler's parsing and bucket-setting lookups, the response,
 * the exchange's wrap-up and the access-log entry).
 *
 *   bun scripts/bench/put-pipeline.ts [--repo DIR] [--requests 10000] [--rounds 5]
 *
 * Subtracted from put-inprocess.ts's figure it gives what the file work costs in the process.
 */
import { mock } from "bun:test";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const at = args.indexOf("--repo");
const repo = resolve(at < 0 ? join(import.meta.dir, "..", "..") : args[at + 1]!);
const storageModule = join(repo, "src/storage/index.ts");
const storage = { ...(await import(storageModule)) };
const createRealStore = storage.createPosixStore;

interface SmallBody {
  read(): Promise<Uint8Array>;
}
interface PutInput {
  key: string;
  body: ReadableStream<Uint8Array> | SmallBody;
}
interface Store {
  putObject(input: PutInput): Promise<unknown>;
}

mock.module(storageModule, () => ({
  ...storage,
  createPosixStore: async (options: unknown) => {
    const store: Store = await createRealStore(options);
    const write = store.putObject.bind(store);
    store.putObject = async (input) => {
      // Buckets and directory objects still reach storage: only small object bodies are skipped.
      if (input.key === "" || !("read" in input.body)) return await write(input);
      const bytes = await input.body.read();
      const etag = createHash("md5").update(bytes).digest("hex");
      return { etag, size: bytes.length, lastModified: new Date() };
    };
    return store;
  },
}));

await import("./put-inprocess.ts");
