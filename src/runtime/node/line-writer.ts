/** The Node twin of ../line-writer.ts: the same batching, onto process.stdout. */
import { createLineWriter, type LineWriter } from "../line-writer-batch.ts";

export function createStdoutLineWriter(): LineWriter {
  return createLineWriter({
    write: (text) => void process.stdout.write(text),
    flush: () => new Promise<void>((resolve) => process.stdout.write("", () => resolve())),
  });
}
