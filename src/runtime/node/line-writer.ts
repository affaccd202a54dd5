/** Buffers lines for stdout and writes them in batches, off the request path (Node twin of ../line-writer.ts). */
export function createStdoutLineWriter(): { write(line: string): void; flush(): Promise<void> } {
  let pending: string[] = [];
  let scheduled = false;
  const flushNow = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    pending = [];
    process.stdout.write(text);
  };
  return {
    write(line) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushNow);
      }
    },
    async flush() {
      flushNow();
      await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
    },
  };
}
