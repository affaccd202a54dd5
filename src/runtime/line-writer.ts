/** Buffers lines for stdout and writes them in batches, off the request path. */
export function createStdoutLineWriter(): { write(line: string): void; flush(): Promise<void> } {
  let pending: string[] = [];
  let scheduled = false;
  const writer = Bun.stdout.writer();
  const flushNow = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    pending = [];
    writer.write(text);
    writer.flush();
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
      await writer.flush();
    },
  };
}
