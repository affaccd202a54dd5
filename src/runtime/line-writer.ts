/** Stdout's line writer on Bun (see line-writer-batch.ts); the Node build swaps in node/line-writer.ts. */
import { createLineWriter, type LineWriter } from "./line-writer-batch.ts";

export type { LineWriter };

export function createStdoutLineWriter(): LineWriter {
  const writer = Bun.stdout.writer();
  return createLineWriter({
    write: (text) => void writer.write(text),
    flush: async () => void (await writer.flush()),
  });
}
